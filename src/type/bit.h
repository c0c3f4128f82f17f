/*-------------------------------------------------------------------------
 *
 * bit.h
 *	  Distances between values of PostgreSQL's own bit type.
 *
 * IDENTIFICATION
 *	  src/type/bit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_BIT_H
#define VECTOR_BIT_H

#include "fmgr.h"
#include "utils/varbit.h"

extern void CheckBitLengths(VarBit *a, VarBit *b);
extern double BitHammingDistance(VarBit *a, VarBit *b);
extern double BitJaccardDistance(VarBit *a, VarBit *b);

/* SQL-callable functions the access methods refer to by address */
extern Datum hamming_distance(PG_FUNCTION_ARGS);
extern Datum jaccard_distance(PG_FUNCTION_ARGS);

#endif							/* VECTOR_BIT_H */
