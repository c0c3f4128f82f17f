/*-------------------------------------------------------------------------
 *
 * typesupport.c
 *	  Map SQL-callable distance functions to direct-call equivalents.
 *
 * See typesupport.h.  Each vector-like type adds its rows to the table.
 *
 * IDENTIFICATION
 *	  src/type/typesupport.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "distance/distance.h"
#include "type/bit.h"
#include "type/halfvec.h"
#include "type/sparsevec.h"
#include "type/typesupport.h"
#include "type/vector.h"

static double
vectorL2Squared(Datum a, Datum b)
{
	Vector	   *x = (Vector *) DatumGetPointer(a);
	Vector	   *y = (Vector *) DatumGetPointer(b);

	CheckVectorDims(x->dim, y->dim);
	return vector_kernels.l2sq_f32(x->x, y->x, x->dim);
}

static double
vectorNegativeInnerProduct(Datum a, Datum b)
{
	Vector	   *x = (Vector *) DatumGetPointer(a);
	Vector	   *y = (Vector *) DatumGetPointer(b);

	CheckVectorDims(x->dim, y->dim);
	return -(double) vector_kernels.dot_f32(x->x, y->x, x->dim);
}

static double
vectorCosine(Datum a, Datum b)
{
	Vector	   *x = (Vector *) DatumGetPointer(a);
	Vector	   *y = (Vector *) DatumGetPointer(b);
	float		dot,
				na,
				nb;

	CheckVectorDims(x->dim, y->dim);
	vector_kernels.cos_parts_f32(x->x, y->x, x->dim, &dot, &na, &nb);
	return CosineDistanceFromParts(dot, na, nb);
}

static double
vectorL1(Datum a, Datum b)
{
	Vector	   *x = (Vector *) DatumGetPointer(a);
	Vector	   *y = (Vector *) DatumGetPointer(b);

	CheckVectorDims(x->dim, y->dim);
	return vector_kernels.l1_f32(x->x, y->x, x->dim);
}

static double
halfvecL2Squared(Datum a, Datum b)
{
	HalfVector *x = (HalfVector *) DatumGetPointer(a);
	HalfVector *y = (HalfVector *) DatumGetPointer(b);

	CheckHalfvecDims(x->dim, y->dim);
	return vector_kernels.l2sq_f16(x->x, y->x, x->dim);
}

static double
halfvecNegativeInnerProduct(Datum a, Datum b)
{
	HalfVector *x = (HalfVector *) DatumGetPointer(a);
	HalfVector *y = (HalfVector *) DatumGetPointer(b);

	CheckHalfvecDims(x->dim, y->dim);
	return -(double) vector_kernels.dot_f16(x->x, y->x, x->dim);
}

static double
halfvecCosine(Datum a, Datum b)
{
	HalfVector *x = (HalfVector *) DatumGetPointer(a);
	HalfVector *y = (HalfVector *) DatumGetPointer(b);
	float		dot,
				na,
				nb;

	CheckHalfvecDims(x->dim, y->dim);
	vector_kernels.cos_parts_f16(x->x, y->x, x->dim, &dot, &na, &nb);
	return CosineDistanceFromParts(dot, na, nb);
}

static double
halfvecL1(Datum a, Datum b)
{
	HalfVector *x = (HalfVector *) DatumGetPointer(a);
	HalfVector *y = (HalfVector *) DatumGetPointer(b);

	CheckHalfvecDims(x->dim, y->dim);
	return vector_kernels.l1_f16(x->x, y->x, x->dim);
}

static double
sparsevecL2Squared(Datum a, Datum b)
{
	return SparsevecL2SquaredDistance((SparseVector *) DatumGetPointer(a),
									  (SparseVector *) DatumGetPointer(b));
}

static double
sparsevecNegativeInnerProduct(Datum a, Datum b)
{
	return -SparsevecInnerProduct((SparseVector *) DatumGetPointer(a),
								  (SparseVector *) DatumGetPointer(b));
}

static double
sparsevecCosine(Datum a, Datum b)
{
	return SparsevecCosineDistance((SparseVector *) DatumGetPointer(a),
								   (SparseVector *) DatumGetPointer(b));
}

static double
sparsevecL1(Datum a, Datum b)
{
	return SparsevecL1Distance((SparseVector *) DatumGetPointer(a),
							   (SparseVector *) DatumGetPointer(b));
}

static double
bitHamming(Datum a, Datum b)
{
	return BitHammingDistance((VarBit *) DatumGetPointer(a),
							  (VarBit *) DatumGetPointer(b));
}

static double
bitJaccard(Datum a, Datum b)
{
	return BitJaccardDistance((VarBit *) DatumGetPointer(a),
							  (VarBit *) DatumGetPointer(b));
}

typedef struct FastDistance
{
	PGFunction	sqlfn;
	VectorDistanceFn fastfn;
	VectorDistanceShape shape;
} FastDistance;

static const FastDistance fastDistances[] =
{
	{vector_l2_squared_distance, vectorL2Squared, VECTOR_DISTANCE_SQUARED},
	{vector_negative_inner_product, vectorNegativeInnerProduct, VECTOR_DISTANCE_SIGNED},
	{cosine_distance, vectorCosine, VECTOR_DISTANCE_SQUARED},
	{l1_distance, vectorL1, VECTOR_DISTANCE_METRIC},
	{halfvec_l2_squared_distance, halfvecL2Squared, VECTOR_DISTANCE_SQUARED},
	{halfvec_negative_inner_product, halfvecNegativeInnerProduct, VECTOR_DISTANCE_SIGNED},
	{halfvec_cosine_distance, halfvecCosine, VECTOR_DISTANCE_SQUARED},
	{halfvec_l1_distance, halfvecL1, VECTOR_DISTANCE_METRIC},
	{sparsevec_l2_squared_distance, sparsevecL2Squared, VECTOR_DISTANCE_SQUARED},
	{sparsevec_negative_inner_product, sparsevecNegativeInnerProduct, VECTOR_DISTANCE_SIGNED},
	{sparsevec_cosine_distance, sparsevecCosine, VECTOR_DISTANCE_SQUARED},
	{sparsevec_l1_distance, sparsevecL1, VECTOR_DISTANCE_METRIC},
	{hamming_distance, bitHamming, VECTOR_DISTANCE_SQUARED},
	{jaccard_distance, bitJaccard, VECTOR_DISTANCE_METRIC},
};

/* The table's entry for a support function, or NULL if it has none. */
static const FastDistance *
findFastDistance(PGFunction fn)
{
	for (int i = 0; i < lengthof(fastDistances); i++)
		if (fastDistances[i].sqlfn == fn)
			return &fastDistances[i];
	return NULL;
}

VectorDistanceFn
VectorFastDistance(PGFunction fn)
{
	const FastDistance *fd = findFastDistance(fn);

	return fd ? fd->fastfn : NULL;
}

VectorDistanceShape
VectorDistanceShapeOf(PGFunction fn)
{
	const FastDistance *fd = findFastDistance(fn);

	return fd ? fd->shape : VECTOR_DISTANCE_UNKNOWN;
}

VectorF32Kernel
VectorRawF32Kernel(VectorDistanceFn fn, bool *negate)
{
	*negate = false;
	if (fn == vectorL2Squared)
		return vector_kernels.l2sq_f32;
	if (fn == vectorNegativeInnerProduct)
	{
		*negate = true;
		return vector_kernels.dot_f32;
	}
	return NULL;
}

VectorF16Kernel
VectorRawF16Kernel(VectorDistanceFn fn, bool *negate)
{
	*negate = false;
	if (fn == vectorL2Squared)
		return (VectorF16Kernel) vector_kernels.l2sq_f16;
	if (fn == vectorNegativeInnerProduct)
	{
		*negate = true;
		return (VectorF16Kernel) vector_kernels.dot_f16;
	}
	return NULL;
}
