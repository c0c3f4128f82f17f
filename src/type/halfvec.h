/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *	  The halfvec type: a varlena of IEEE binary16 elements.
 *
 * Layout (also the binary send/recv format after the varlena header, in
 * network byte order there), the same as vector's with 2-byte elements:
 *
 *		int32	vl_len_		varlena header
 *		int16	dim			number of elements, 1 .. HALFVEC_MAX_DIM
 *		int16	unused		always 0; reserved for flags
 *		uint16	x[dim]		binary16 bit patterns, all finite
 *
 * Arithmetic and distances convert to float4 (exactly) and compute there;
 * results stored back into a halfvec are rounded to nearest, ties to even.
 *
 * IDENTIFICATION
 *	  src/type/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_HALFVEC_H
#define VECTOR_HALFVEC_H

#include "fmgr.h"

#define HALFVEC_MAX_DIM 16000

/* largest finite binary16 value */
#define HALF_MAX 65504.0f

typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always zero */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVector, x) + sizeof(uint16) * (_dim))
#define DatumGetHalfVector(x)	((HalfVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_HALFVEC_P(x)	DatumGetHalfVector(PG_GETARG_DATUM(x))
#define PG_RETURN_HALFVEC_P(x)	PG_RETURN_POINTER(x)

/* A binary16 bit pattern is infinite or NaN when its exponent is all ones. */
#define HalfIsFinite(h)			(((h) & 0x7c00) != 0x7c00)

extern HalfVector *InitHalfVector(int dim);
extern void CheckHalfvecDims(int dima, int dimb);

/* SQL-callable functions the access methods refer to by address */
extern Datum halfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum halfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum halfvec_cosine_distance(PG_FUNCTION_ARGS);
extern Datum halfvec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* VECTOR_HALFVEC_H */
