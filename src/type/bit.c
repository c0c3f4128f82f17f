/*-------------------------------------------------------------------------
 *
 * bit.c
 *	  Hamming and Jaccard distances between bit strings.
 *
 * The values are PostgreSQL's bit(n); binary_quantize() of a vector or a
 * halfvec produces them.  Both distances count bits with the popcount
 * kernels of src/distance, which take whole bytes: that is correct because
 * bit and varbit keep the pad bits of the last byte zero.
 *
 * IDENTIFICATION
 *	  src/type/bit.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "distance/distance.h"
#include "type/bit.h"

/* Both operands must have the same number of bits. */
void
CheckBitLengths(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d",
						VARBITLEN(a), VARBITLEN(b))));
}

/* Number of positions that differ.  Raises the length mismatch error. */
double
BitHammingDistance(VarBit *a, VarBit *b)
{
	CheckBitLengths(a, b);
	/* the kernels need at least one byte */
	if (VARBITBYTES(a) == 0)
		return 0.0;
	return (double) vector_kernels.hamming(VARBITS(a), VARBITS(b),
										   VARBITBYTES(a));
}

/*
 * 1 - |a & b| / |a | b|.  Two strings with no bit set give 0/0; the result
 * is then 1, as in pgvector (whose regression suites record it), so that
 * queries return the same rows and distances under either extension.  Note
 * that this makes d(x, x) = 1 for the all-zero x: nothing is similar to the
 * empty set, not even itself.
 */
double
BitJaccardDistance(VarBit *a, VarBit *b)
{
	uint64		and_count;
	uint64		or_count;

	CheckBitLengths(a, b);
	if (VARBITBYTES(a) == 0)
		return 1.0;				/* no bit set, as below */
	vector_kernels.and_or_count(VARBITS(a), VARBITS(b), VARBITBYTES(a),
								&and_count, &or_count);
	if (or_count == 0)
		return 1.0;
	return 1.0 - (double) and_count / (double) or_count;
}

PG_FUNCTION_INFO_V1(hamming_distance);
Datum
hamming_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(BitHammingDistance(PG_GETARG_VARBIT_P(0),
										PG_GETARG_VARBIT_P(1)));
}

PG_FUNCTION_INFO_V1(jaccard_distance);
Datum
jaccard_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(BitJaccardDistance(PG_GETARG_VARBIT_P(0),
										PG_GETARG_VARBIT_P(1)));
}
