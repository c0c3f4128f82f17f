/*-------------------------------------------------------------------------
 *
 * ivftypes.c
 *	  Float views of halfvec and bit for ivfflat's opclasses (FUNCTION 4).
 *
 * k-means works on float arrays; each opclass's FUNCTION 4 returns an
 * IvfTypeOps that turns a value of its type into floats and a float center
 * back into a value (vector's is in ivf.c).  halfvec converts elementwise
 * (centers are rounded to binary16).  bit maps each bit to 0 or 1, so a
 * k-means center is a vector of bit probabilities; it is stored as the bit
 * string with a 1 wherever the probability exceeds 0.5 (a majority vote of
 * the list's rows; a tie gives 0).  On 0/1 vectors squared Euclidean
 * distance equals Hamming distance, which is why the build may assign rows
 * with the float L2 kernel.  See src/ivf/README, "Type independence".
 *
 * IDENTIFICATION
 *	  src/ivf/ivftypes.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/varbit.h"

#include "distance/distance.h"
#include "ivf/ivf.h"
#include "type/halfvec.h"

static int
halfvecDims(Datum value)
{
	return ((HalfVector *) DatumGetPointer(value))->dim;
}

static void
halfvecToFloats(Datum value, float *out)
{
	HalfVector *v = (HalfVector *) DatumGetPointer(value);

	for (int i = 0; i < v->dim; i++)
		out[i] = HalfToFloat(v->x[i]);
}

static Datum
halfvecFromFloats(const float *x, int dims)
{
	HalfVector *v = InitHalfVector(dims);

	for (int i = 0; i < dims; i++)
		v->x[i] = FloatToHalf(x[i]);
	return PointerGetDatum(v);
}

static const IvfTypeOps halfvecTypeOps = {
	halfvecDims, halfvecToFloats, halfvecFromFloats
};

/* FUNCTION 4 of the halfvec opclasses */
PG_FUNCTION_INFO_V1(ivf_halfvec_support);
Datum
ivf_halfvec_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&halfvecTypeOps);
}

static int
bitDims(Datum value)
{
	return VARBITLEN(DatumGetPointer(value));
}

static void
bitToFloats(Datum value, float *out)
{
	VarBit	   *v = (VarBit *) DatumGetPointer(value);
	bits8	   *bits = VARBITS(v);

	for (int i = 0; i < VARBITLEN(v); i++)
		out[i] = (bits[i / BITS_PER_BYTE] >> (7 - i % BITS_PER_BYTE)) & 1;
}

static Datum
bitFromFloats(const float *x, int dims)
{
	int			len = VARBITTOTALLEN(dims);
	VarBit	   *v = (VarBit *) palloc0(len);
	bits8	   *bits = VARBITS(v);

	SET_VARSIZE(v, len);
	VARBITLEN(v) = dims;
	for (int i = 0; i < dims; i++)
		if (x[i] > 0.5f)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	return PointerGetDatum(v);
}

static const IvfTypeOps bitTypeOps = {
	bitDims, bitToFloats, bitFromFloats
};

/* FUNCTION 4 of bit_hamming_ops */
PG_FUNCTION_INFO_V1(ivf_bit_support);
Datum
ivf_bit_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&bitTypeOps);
}
