/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec type: input/output, typmod, casts, operators, aggregates.
 *
 * Elements are stored as binary16 and widened to float4 (exactly) for every
 * computation; results that are stored back are rounded to nearest, ties to
 * even, and a result beyond the binary16 range is an error rather than an
 * infinity.  Distances go through the f16 kernels of src/distance.  See
 * halfvec.h for the layout.
 *
 * IDENTIFICATION
 *	  src/type/halfvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/varbit.h"

#include "distance/distance.h"
#include "type/halfvec.h"
#include "type/vector.h"

/*
 * Allocate a zeroed halfvec of dim elements (all +0).  Result is palloc'd in
 * the current memory context.
 */
HalfVector *
InitHalfVector(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector *result = (HalfVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* Operands of a binary operator must have the same number of dimensions. */
void
CheckHalfvecDims(int dima, int dimb)
{
	if (dima != dimb)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", dima, dimb)));
}

/*
 * Round a finite float to binary16 for a value the user supplied (a cast);
 * a value beyond the half range is an error naming it.
 */
static uint16
floatToHalfChecked(float value)
{
	uint16		h = FloatToHalf(value);

	if (!HalfIsFinite(h))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%g\" is out of range for type halfvec", value)));
	return h;
}

/* Round the result of an arithmetic operator; overflow is an error. */
static inline uint16
arithmeticToHalf(float value, bool zero_is_underflow)
{
	uint16		h = FloatToHalf(value);

	if (!HalfIsFinite(h))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	if (zero_is_underflow && (h & 0x7fff) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: underflow")));
	return h;
}

/* ---------------------------------------------------------------------
 * Text and binary I/O
 * ---------------------------------------------------------------------
 */

static void
reportSyntax(const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type halfvec: \"%s\"", lit),
			 errdetail("%s", detail)));
}

/*
 * Parse one element at *p, which ends at *end: a finite number that rounds
 * to a finite binary16.
 */
static uint16
parseHalfElement(const char *lit, const char *p, char **end)
{
	float		value;
	uint16		h;

	/* strtof would skip leading space and take an empty field as an error */
	if (*p == ',' || *p == ']' || *p == '\0')
		reportSyntax(lit, "Vector elements must be numbers separated by \",\".");
	errno = 0;
	value = strtof(p, end);
	if (*end == p)
		reportSyntax(lit, "Vector elements must be numbers separated by \",\".");
	/* float overflow and underflow (as float4in), then half overflow */
	if (errno == ERANGE && (value == 0.0f || isinf(value)))
		h = 0x7c00;
	else
	{
		CheckVectorElement(value, "halfvec");
		h = FloatToHalf(value);
	}
	if (!HalfIsFinite(h))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%.*s\" is out of range for type halfvec",
						(int) (*end - p), p)));
	return h;
}

/*
 * Parse "[x1,x2,...]" into a new halfvec.  Errors name the whole literal
 * and say which part is wrong, as vector_in does.
 */
static HalfVector *
parseHalfvecText(const char *lit)
{
	const char *p = VectorSkipSpace(lit);
	uint16	   *values = palloc(sizeof(uint16) * HALFVEC_MAX_DIM);
	int			n = 0;
	HalfVector *result;

	if (*p != '[')
		reportSyntax(lit, "Vector contents must start with \"[\".");
	p = VectorSkipSpace(p + 1);
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));
	for (;;)
	{
		char	   *end;

		if (n == HALFVEC_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("halfvec cannot have more than %d dimensions",
							HALFVEC_MAX_DIM)));
		values[n++] = parseHalfElement(lit, p, &end);
		p = VectorSkipSpace(end);
		if (*p == ',')
		{
			p = VectorSkipSpace(p + 1);
			continue;
		}
		if (*p == ']')
			break;
		reportSyntax(lit, "Vector elements must be separated by \",\" and the vector must end with \"]\".");
	}
	p = VectorSkipSpace(p + 1);
	if (*p != '\0')
		reportSyntax(lit, "Junk after closing right bracket.");

	result = InitHalfVector(n);
	memcpy(result->x, values, sizeof(uint16) * n);
	pfree(values);
	return result;
}

PG_FUNCTION_INFO_V1(halfvec_in);
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	HalfVector *result = parseHalfvecText(PG_GETARG_CSTRING(0));

	CheckVectorTypmod(PG_GETARG_INT32(2), result->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* Each element prints as the shortest decimal that reads back the same. */
PG_FUNCTION_INFO_V1(halfvec_out);
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	enlargeStringInfo(&buf, vec->dim * FLOAT_SHORTEST_DECIMAL_LEN + 2);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		buf.len += float_to_shortest_decimal_bufn(HalfToFloat(vec->x[i]),
												  buf.data + buf.len);
	}
	appendStringInfoChar(&buf, ']');
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(halfvec_typmod_in);
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorTypmodIn(PG_GETARG_ARRAYTYPE_P(0), "halfvec",
								   HALFVEC_MAX_DIM));
}

PG_FUNCTION_INFO_V1(halfvec_recv);
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim;
	int16		unused;
	HalfVector *result;

	dim = pq_getmsgint(buf, sizeof(int16));
	unused = pq_getmsgint(buf, sizeof(int16));
	CheckVectorDimCount(dim, "halfvec", HALFVEC_MAX_DIM);
	CheckVectorTypmod(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type halfvec"),
				 errdetail("Reserved field must be zero, not %d.", unused)));

	result = InitHalfVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (uint16) pq_getmsgint(buf, sizeof(uint16));
		if (!HalfIsFinite(result->x[i]))
			CheckVectorElement(HalfToFloat(result->x[i]), "halfvec");
	}
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_send);
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint(&buf, vec->dim, sizeof(int16));
	pq_sendint(&buf, vec->unused, sizeof(int16));
	for (int i = 0; i < vec->dim; i++)
		pq_sendint(&buf, vec->x[i], sizeof(uint16));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * Casts
 * ---------------------------------------------------------------------
 */

/* halfvec(n) coercion: the typmod cast */
PG_FUNCTION_INFO_V1(halfvec);
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_HALFVEC_P(vec);
}

static HalfVector *
floatsToHalfvec(const float *values, int dim)
{
	HalfVector *result = InitHalfVector(dim);

	vector_kernels.f32_to_f16(values, result->x, dim);
	for (int i = 0; i < dim; i++)
		if (!HalfIsFinite(result->x[i]))
			(void) floatToHalfChecked(values[i]);	/* raises the error */
	return result;
}

PG_FUNCTION_INFO_V1(array_to_halfvec);
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int			dim;
	float	   *values;
	HalfVector *result;

	values = VectorArrayToFloats(array, "halfvec", HALFVEC_MAX_DIM, &dim);
	CheckVectorTypmod(PG_GETARG_INT32(1), dim);
	result = floatsToHalfvec(values, dim);
	pfree(values);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_to_float4);
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * vec->dim);

	for (int i = 0; i < vec->dim; i++)
		elems[i] = Float4GetDatum(HalfToFloat(vec->x[i]));
	PG_RETURN_POINTER(construct_array(elems, vec->dim, FLOAT4OID,
									  sizeof(float4), true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(vector_to_halfvec);
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_HALFVEC_P(floatsToHalfvec(vec->x, vec->dim));
}

/* Exact: every binary16 value is a float4 value. */
PG_FUNCTION_INFO_V1(halfvec_to_vector);
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	Vector	   *result;

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	result = InitVector(vec->dim);
	for (int i = 0; i < vec->dim; i++)
		result->x[i] = HalfToFloat(vec->x[i]);
	PG_RETURN_VECTOR_P(result);
}

/* ---------------------------------------------------------------------
 * Distances
 * ---------------------------------------------------------------------
 */

#define HALFVEC_ARGS(a, b) \
	HalfVector *a = PG_GETARG_HALFVEC_P(0); \
	HalfVector *b = PG_GETARG_HALFVEC_P(1); \
	CheckHalfvecDims(a->dim, b->dim)

PG_FUNCTION_INFO_V1(halfvec_l2_distance);
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_ARGS(a, b);
	PG_RETURN_FLOAT8(sqrt((double) vector_kernels.l2sq_f16(a->x, b->x, a->dim)));
}

/* The ordering function of the l2 opclasses: no square root needed. */
PG_FUNCTION_INFO_V1(halfvec_l2_squared_distance);
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_ARGS(a, b);
	PG_RETURN_FLOAT8((double) vector_kernels.l2sq_f16(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_inner_product);
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HALFVEC_ARGS(a, b);
	PG_RETURN_FLOAT8((double) vector_kernels.dot_f16(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_negative_inner_product);
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HALFVEC_ARGS(a, b);
	PG_RETURN_FLOAT8(-(double) vector_kernels.dot_f16(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_cosine_distance);
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	float		dot,
				na,
				nb;

	HALFVEC_ARGS(a, b);
	vector_kernels.cos_parts_f16(a->x, b->x, a->dim, &dot, &na, &nb);
	PG_RETURN_FLOAT8(CosineDistanceFromParts(dot, na, nb));
}

PG_FUNCTION_INFO_V1(halfvec_l1_distance);
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_ARGS(a, b);
	PG_RETURN_FLOAT8((double) vector_kernels.l1_f16(a->x, b->x, a->dim));
}

/* ---------------------------------------------------------------------
 * Functions
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_vector_dims);
Datum
halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_INT32(a->dim);
}

static double
halfvecNorm(HalfVector *a)
{
	double		norm = 0.0;

	/* in double, as vector_norm: a norm is computed once per value */
	for (int i = 0; i < a->dim; i++)
	{
		double		v = HalfToFloat(a->x[i]);

		norm += v * v;
	}
	return sqrt(norm);
}

PG_FUNCTION_INFO_V1(halfvec_l2_norm);
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(halfvecNorm(PG_GETARG_HALFVEC_P(0)));
}

/*
 * The zero vector normalises to itself, as for vector.  A normalised element
 * is at most 1 in magnitude, so the rounding cannot overflow.
 */
PG_FUNCTION_INFO_V1(halfvec_l2_normalize);
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *result = InitHalfVector(a->dim);
	double		norm = halfvecNorm(a);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = FloatToHalf((float) (HalfToFloat(a->x[i]) / norm));
	}
	PG_RETURN_HALFVEC_P(result);
}

/* As subvector(vector, ...): positions outside the value are dropped. */
PG_FUNCTION_INFO_V1(halfvec_subvector);
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	int64		end = (int64) start + count;	/* cannot overflow in int64 */
	HalfVector *result;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));
	if (start < 1)
		start = 1;
	if (end > (int64) a->dim + 1)
		end = a->dim + 1;
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension"),
				 errdetail("Position %d is past the last element of a halfvec with %d dimensions.",
						   PG_GETARG_INT32(1), a->dim)));

	result = InitHalfVector((int) (end - start));
	memcpy(result->x, a->x + start - 1, sizeof(uint16) * result->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* Bit i is set when element i is positive (as binary_quantize(vector)). */
PG_FUNCTION_INFO_V1(halfvec_binary_quantize);
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	int			len = VARBITTOTALLEN(a->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits;

	SET_VARSIZE(result, len);
	VARBITLEN(result) = a->dim;
	bits = VARBITS(result);
	for (int i = 0; i < a->dim; i++)
		if (HalfToFloat(a->x[i]) > 0)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	PG_RETURN_VARBIT_P(result);
}

/* ---------------------------------------------------------------------
 * Arithmetic: in float4, rounded once to binary16
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_add);
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	HalfVector *result;

	HALFVEC_ARGS(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = arithmeticToHalf(HalfToFloat(a->x[i]) +
										HalfToFloat(b->x[i]), false);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_sub);
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	HalfVector *result;

	HALFVEC_ARGS(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = arithmeticToHalf(HalfToFloat(a->x[i]) -
										HalfToFloat(b->x[i]), false);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_mul);
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	HalfVector *result;

	HALFVEC_ARGS(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		float		x = HalfToFloat(a->x[i]);
		float		y = HalfToFloat(b->x[i]);

		/* a product of non-zero factors that rounds to zero underflowed */
		result->x[i] = arithmeticToHalf(x * y, x != 0.0f && y != 0.0f);
	}
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_concat);
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	CheckVectorDimCount(a->dim + b->dim, "halfvec", HALFVEC_MAX_DIM);
	result = InitHalfVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* ---------------------------------------------------------------------
 * Comparison, for btree and hash
 * ---------------------------------------------------------------------
 */

/* By value element by element (-0 equals +0); a proper prefix sorts first. */
static int
halfvecCompare(HalfVector *a, HalfVector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = HalfToFloat(a->x[i]);
		float		y = HalfToFloat(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	return 0;
}

#define HALFVEC_CMP_FUNC(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			c = halfvecCompare(PG_GETARG_HALFVEC_P(0), \
								   PG_GETARG_HALFVEC_P(1)); \
\
	PG_RETURN_BOOL(expr); \
}

HALFVEC_CMP_FUNC(halfvec_lt, c < 0)
HALFVEC_CMP_FUNC(halfvec_le, c <= 0)
HALFVEC_CMP_FUNC(halfvec_eq, c == 0)
HALFVEC_CMP_FUNC(halfvec_ne, c != 0)
HALFVEC_CMP_FUNC(halfvec_ge, c >= 0)
HALFVEC_CMP_FUNC(halfvec_gt, c > 0)

PG_FUNCTION_INFO_V1(halfvec_cmp);
Datum
halfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(halfvecCompare(PG_GETARG_HALFVEC_P(0),
								   PG_GETARG_HALFVEC_P(1)));
}

/* Equal values hash equal: -0 (0x8000) hashes as +0. */
PG_FUNCTION_INFO_V1(halfvec_hash);
Datum
halfvec_hash(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	uint32		h = hash_bytes_uint32((uint32) a->dim);

	for (int i = 0; i < a->dim; i++)
	{
		uint32		bits = a->x[i] == 0x8000 ? 0 : a->x[i];

		h = hash_combine(h, hash_bytes_uint32(bits));
	}
	PG_RETURN_INT32((int32) h);
}

/* ---------------------------------------------------------------------
 * Aggregate avg(halfvec)
 *
 * The state is vector's: a float8[] {count, sum_1, ..., sum_dim}, so the
 * combine function is vector_combine.  sum(halfvec) is halfvec_add.
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(halfvec_accum);
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	HalfVector *v = PG_GETARG_HALFVEC_P(1);
	int			n;
	float8	   *sums = VectorGetAccumState(state, &n);
	Datum	   *elems;

	/* the initial state is {0}; later states have v->dim + 1 elements */
	if (n != 1)
		CheckHalfvecDims(n - 1, v->dim);
	elems = palloc(sizeof(Datum) * (v->dim + 1));
	elems[0] = Float8GetDatum(sums[0] + 1);
	for (int i = 0; i < v->dim; i++)
		elems[i + 1] = Float8GetDatum((n == 1 ? 0.0 : sums[i + 1]) +
									  HalfToFloat(v->x[i]));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, v->dim + 1, FLOAT8OID,
										  sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(halfvec_avg);
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	int			n;
	float8	   *sums = VectorGetAccumState(PG_GETARG_ARRAYTYPE_P(0), &n);
	HalfVector *result;

	/* no rows: avg is NULL, as for numbers */
	if (n == 1 || sums[0] == 0)
		PG_RETURN_NULL();
	result = InitHalfVector(n - 1);
	for (int i = 0; i < n - 1; i++)
		result->x[i] = arithmeticToHalf((float) (sums[i + 1] / sums[0]), false);
	PG_RETURN_HALFVEC_P(result);
}
