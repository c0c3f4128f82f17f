/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The vector type: a varlena of float4 elements.
 *
 * On-disk and in-memory layout (also the binary send/recv format after the
 * varlena header, in network byte order there):
 *
 *		int32	vl_len_		varlena header
 *		int16	dim			number of elements, 1 .. VECTOR_MAX_DIM
 *		int16	unused		always 0; reserved for flags
 *		float4	x[dim]
 *
 * The layout matches pgvector's so that dumps and binary COPY move between
 * the two extensions unchanged.
 *
 * IDENTIFICATION
 *	  src/type/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_VECTOR_H
#define VECTOR_VECTOR_H

#include "fmgr.h"
#include "utils/array.h"

#define VECTOR_MAX_DIM 16000

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

#define VECTOR_SIZE(_dim)		(offsetof(Vector, x) + sizeof(float) * (_dim))
#define DatumGetVector(x)		((Vector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_VECTOR_P(x)	DatumGetVector(PG_GETARG_DATUM(x))
#define PG_RETURN_VECTOR_P(x)	PG_RETURN_POINTER(x)

extern Vector *InitVector(int dim);
extern void CheckVectorDims(int dima, int dimb);
extern void CheckVectorElement(float value, const char *typname);
extern void CheckVectorDimCount(int dim, const char *typname, int maxdim);
extern void CheckVectorTypmod(int32 typmod, int dim);

/* shared by every vector-like type (halfvec, sparsevec) */
extern int32 VectorTypmodIn(ArrayType *ta, const char *typname,
							int maxdim);
extern float8 *VectorGetAccumState(ArrayType *state, int *n);

/* White space as the text forms of every vector-like type accept it. */
static inline const char *
VectorSkipSpace(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		   *p == '\v' || *p == '\f')
		p++;
	return p;
}

extern float *VectorArrayToFloats(ArrayType *array, const char *typname,
								  int maxdim, int *ndim);

/* SQL-callable functions the access methods refer to by address */
extern Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum cosine_distance(PG_FUNCTION_ARGS);
extern Datum l1_distance(PG_FUNCTION_ARGS);

#endif							/* VECTOR_VECTOR_H */
