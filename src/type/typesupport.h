/*-------------------------------------------------------------------------
 *
 * typesupport.h
 *	  Direct-call distance functions for the index access methods.
 *
 * The access methods are type-agnostic: an opclass names its distance
 * function as support function 1, and the AM calls it through fmgr.  In the
 * hot loops of graph traversal and k-means that call overhead is comparable
 * to a 128-dimension kernel, so at index open the AM asks here whether the
 * support function is one of ours; if it is, it gets a plain C function of two
 * (already detoasted) datums that skips fmgr.  An opclass made of other
 * functions still works, through fmgr.
 *
 * IDENTIFICATION
 *	  src/type/typesupport.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_TYPESUPPORT_H
#define VECTOR_TYPESUPPORT_H

#include "fmgr.h"

/*
 * Distance of two detoasted values of the opclass's type.  Raises the same
 * errors as the SQL function (e.g. different dimensions).
 */
typedef double (*VectorDistanceFn) (Datum a, Datum b);

/* The direct-call equivalent of a support function, or NULL if none. */
extern VectorDistanceFn VectorFastDistance(PGFunction fn);

/*
 * How a support function's distance grows with the gap between two values,
 * for heuristics that compare distances by ratio (hnsw's neighbour
 * selection): like the square of a metric (squared L2, cosine distance,
 * Hamming distance on bits), like a metric (L1, Jaccard), or unbounded
 * below (negative inner product).  UNKNOWN for functions not listed here.
 */
typedef enum VectorDistanceShape
{
	VECTOR_DISTANCE_UNKNOWN,
	VECTOR_DISTANCE_SQUARED,
	VECTOR_DISTANCE_METRIC,
	VECTOR_DISTANCE_SIGNED
} VectorDistanceShape;

extern VectorDistanceShape VectorDistanceShapeOf(PGFunction fn);

/*
 * The float4 kernel under a direct-call vector distance, for a caller that
 * has already checked that both values have the same dimensions: the
 * distance is the kernel's result, negated when *negate.  NULL for other
 * distances.  Gives the same float as the direct call, to the bit.
 */
typedef float (*VectorF32Kernel) (const float *a, const float *b, int n);
extern VectorF32Kernel VectorRawF32Kernel(VectorDistanceFn fn, bool *negate);

/*
 * The binary16 kernel that computes what VectorRawF32Kernel's does, for a
 * caller that keeps vectors rounded to half precision; NULL where that
 * gives none.
 */
typedef float (*VectorF16Kernel) (const uint16 *a, const uint16 *b, int n);
extern VectorF16Kernel VectorRawF16Kernel(VectorDistanceFn fn, bool *negate);

#endif							/* VECTOR_TYPESUPPORT_H */
