/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The sparsevec type: a vector stored as its non-zero elements.
 *
 * Layout (also the binary send/recv format after the varlena header, in
 * network byte order there):
 *
 *		int32	vl_len_		varlena header
 *		int32	dim			number of dimensions, 1 .. SPARSEVEC_MAX_DIM
 *		int32	nnz			number of stored elements, 0 .. SPARSEVEC_MAX_NNZ
 *		int32	unused		always 0; reserved for flags
 *		int32	indices[nnz]	0-based, strictly ascending, < dim
 *		float4	values[nnz]		finite and non-zero
 *
 * Every value has exactly one representation (sorted, no duplicates, no
 * stored zeros), so equality is a comparison of the stored elements.  The
 * text form uses 1-based indices: {1:0.5,3:1.25}/5.
 *
 * IDENTIFICATION
 *	  src/type/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_SPARSEVEC_H
#define VECTOR_SPARSEVEC_H

#include "fmgr.h"

#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of stored (non-zero) elements */
	int32		unused;			/* reserved, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];
	/* float4 values[nnz] follow the indices */
} SparseVector;

#define SPARSEVEC_SIZE(_nnz) \
	(offsetof(SparseVector, indices) + (_nnz) * (sizeof(int32) + sizeof(float)))
#define SparsevecValues(v)		((float *) ((v)->indices + (v)->nnz))
#define DatumGetSparseVector(x) ((SparseVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_SPARSEVEC_P(x) DatumGetSparseVector(PG_GETARG_DATUM(x))
#define PG_RETURN_SPARSEVEC_P(x) PG_RETURN_POINTER(x)

extern SparseVector *InitSparseVector(int dim, int nnz);

/*
 * Distances of two sparse vectors by a merge of their index arrays; they
 * raise the dimension mismatch error.
 */
extern double SparsevecL2SquaredDistance(SparseVector *a, SparseVector *b);
extern double SparsevecInnerProduct(SparseVector *a, SparseVector *b);
extern double SparsevecCosineDistance(SparseVector *a, SparseVector *b);
extern double SparsevecL1Distance(SparseVector *a, SparseVector *b);

/* SQL-callable functions the access methods refer to by address */
extern Datum sparsevec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum sparsevec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum sparsevec_cosine_distance(PG_FUNCTION_ARGS);
extern Datum sparsevec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* VECTOR_SPARSEVEC_H */
