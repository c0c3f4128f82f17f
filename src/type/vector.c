/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector type: input/output, typmod, casts, operators, aggregates.
 *
 * Distances go through the dispatched kernels of src/distance; this file
 * only checks arguments and wraps results.  See vector.h for the layout.
 *
 * IDENTIFICATION
 *	  src/type/vector.c
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
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"

#include "distance/distance.h"
#include "type/vector.h"

/*
 * Allocate a zeroed vector of dim elements.  Result is palloc'd in the
 * current memory context.
 */
Vector *
InitVector(int dim)
{
	Size		size = VECTOR_SIZE(dim);
	Vector	   *result = (Vector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* Operands of a binary operator must have the same number of dimensions. */
void
CheckVectorDims(int dima, int dimb)
{
	if (dima != dimb)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", dima, dimb)));
}

/* Elements are finite: NaN and infinities would poison every distance. */
void
CheckVectorElement(float value, const char *typname)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", typname)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", typname)));
}

void
CheckVectorDimCount(int dim, const char *typname, int maxdim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));
	if (dim > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions",
						typname, maxdim)));
}

/* A value stored in a column of type vector(n) has exactly n elements. */
void
CheckVectorTypmod(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/* Result of an arithmetic operator: overflow to infinity is an error. */
static inline float
checkArithmetic(float value, bool zero_is_underflow)
{
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	if (zero_is_underflow && value == 0.0f)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: underflow")));
	return value;
}

/* ---------------------------------------------------------------------
 * Text and binary I/O
 * ---------------------------------------------------------------------
 */

static inline bool
isVectorSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline const char *
skipSpace(const char *p)
{
	while (isVectorSpace(*p))
		p++;
	return p;
}

/*
 * Parse "[x1,x2,...]" into a palloc'd array of floats.  Errors name the
 * whole literal, as float4in does, and say which part is wrong.
 */
static float *
parseVectorText(const char *lit, int *ndim)
{
	const char *p = skipSpace(lit);
	int			capacity = 16;
	int			n = 0;
	float	   *values;

	if (*p != '[')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type vector: \"%s\"", lit),
				 errdetail("Vector contents must start with \"[\".")));
	p = skipSpace(p + 1);
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));

	values = palloc(sizeof(float) * capacity);
	for (;;)
	{
		char	   *end;
		float		value;

		if (n == VECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("vector cannot have more than %d dimensions",
							VECTOR_MAX_DIM)));
		/* strtof would accept leading space and an empty field as errors */
		if (*p == ',' || *p == ']' || *p == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type vector: \"%s\"", lit),
					 errdetail("Vector elements must be numbers separated by \",\".")));
		errno = 0;
		value = strtof(p, &end);
		if (end == p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type vector: \"%s\"", lit),
					 errdetail("Vector elements must be numbers separated by \",\".")));
		/* as float4in: underflow to zero and overflow are both errors */
		if (errno == ERANGE && (value == 0.0f || isinf(value)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%.*s\" is out of range for type vector",
							(int) (end - p), p)));
		CheckVectorElement(value, "vector");

		if (n == capacity)
		{
			capacity *= 2;
			values = repalloc(values, sizeof(float) * capacity);
		}
		values[n++] = value;

		p = skipSpace(end);
		if (*p == ',')
		{
			p = skipSpace(p + 1);
			continue;
		}
		if (*p == ']')
			break;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type vector: \"%s\"", lit),
				 errdetail("Vector elements must be separated by \",\" and the vector must end with \"]\".")));
	}

	p = skipSpace(p + 1);
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type vector: \"%s\"", lit),
				 errdetail("Junk after closing right bracket.")));

	*ndim = n;
	return values;
}

PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *values = parseVectorText(lit, &dim);
	Vector	   *result;

	CheckVectorTypmod(typmod, dim);
	result = InitVector(dim);
	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	/* each element takes at most FLOAT_SHORTEST_DECIMAL_LEN - 1 + 1 chars */
	initStringInfo(&buf);
	enlargeStringInfo(&buf, vec->dim * FLOAT_SHORTEST_DECIMAL_LEN + 2);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		buf.len += float_to_shortest_decimal_bufn(vec->x[i], buf.data + buf.len);
	}
	appendStringInfoChar(&buf, ']');
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Shared by the typmod input functions of every vector-like type: one
 * positive integer no larger than maxdim.
 */
int32
VectorTypmodIn(ArrayType *ta, const char *typname, int maxdim)
{
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier")));
	if (*tl < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least 1", typname)));
	if (*tl > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d",
						typname, maxdim)));
	return *tl;
}

PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorTypmodIn(PG_GETARG_ARRAYTYPE_P(0), "vector",
								   VECTOR_MAX_DIM));
}

PG_FUNCTION_INFO_V1(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim;
	int16		unused;
	Vector	   *result;

	dim = pq_getmsgint(buf, sizeof(int16));
	unused = pq_getmsgint(buf, sizeof(int16));
	CheckVectorDimCount(dim, "vector", VECTOR_MAX_DIM);
	CheckVectorTypmod(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type vector"),
				 errdetail("Reserved field must be zero, not %d.", unused)));

	result = InitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		CheckVectorElement(result->x[i], "vector");
	}
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint(&buf, vec->dim, sizeof(int16));
	pq_sendint(&buf, vec->unused, sizeof(int16));
	for (int i = 0; i < vec->dim; i++)
		pq_sendfloat4(&buf, vec->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * Casts
 * ---------------------------------------------------------------------
 */

/* vector(n) coercion: the typmod cast */
PG_FUNCTION_INFO_V1(vector);
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_VECTOR_P(vec);
}

/*
 * Convert one element of a numeric-like array to float, rejecting values
 * that do not fit a float4.  As in the server's float8 -> float4 cast, a
 * value is out of range only when rounding overflows it to infinity or
 * underflows it to zero: 3.4028235e38 rounds to FLT_MAX and 1e-45 to the
 * smallest subnormal, both accepted, as '[3.4028235e38,1e-45]'::vector is.
 */
static float
arrayElementToFloat(Datum d, Oid elemtype, const char *typname)
{
	double		value;
	float		result;

	switch (elemtype)
	{
		case INT4OID:
			value = DatumGetInt32(d);
			break;
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			value = DatumGetFloat8(d);
			break;
		case NUMERICOID:
			value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("unsupported array element type %s",
							format_type_be(elemtype))));
	}
	result = (float) value;
	if ((isinf(result) && !isinf(value)) || (result == 0.0f && value != 0.0))
	{
		/* shortest exact form: %g would print 3.4028236e38 as 3.40282e+38 */
		char		text[DOUBLE_SHORTEST_DECIMAL_LEN];

		double_to_shortest_decimal_buf(value, text);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type %s",
						text, typname)));
	}
	return result;
}

/*
 * Deconstruct a one-dimensional array without NULLs into floats, for the
 * casts of every vector-like type.  Result is palloc'd.
 */
float *
VectorArrayToFloats(ArrayType *array, const char *typname, int maxdim,
					int *ndim)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	float	   *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	CheckVectorDimCount(n, typname, maxdim);

	result = palloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
	{
		result[i] = arrayElementToFloat(elems[i], elemtype, typname);
		CheckVectorElement(result[i], typname);
	}
	pfree(elems);
	pfree(nulls);
	*ndim = n;
	return result;
}

PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			dim;
	float	   *values;
	Vector	   *result;

	values = VectorArrayToFloats(array, "vector", VECTOR_MAX_DIM, &dim);
	CheckVectorTypmod(typmod, dim);
	result = InitVector(dim);
	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * vec->dim);

	for (int i = 0; i < vec->dim; i++)
		elems[i] = Float4GetDatum(vec->x[i]);
	PG_RETURN_POINTER(construct_array(elems, vec->dim, FLOAT4OID,
									  sizeof(float4), true, TYPALIGN_INT));
}

/* ---------------------------------------------------------------------
 * Distances
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(l2_distance);
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(sqrt((double) vector_kernels.l2sq_f32(a->x, b->x, a->dim)));
}

/* The ordering function of the l2 opclasses: no square root needed. */
PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) vector_kernels.l2sq_f32(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) vector_kernels.dot_f32(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(-(double) vector_kernels.dot_f32(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	float		dot,
				na,
				nb;

	CheckVectorDims(a->dim, b->dim);
	vector_kernels.cos_parts_f32(a->x, b->x, a->dim, &dot, &na, &nb);
	PG_RETURN_FLOAT8(CosineDistanceFromParts(dot, na, nb));
}

PG_FUNCTION_INFO_V1(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) vector_kernels.l1_f32(a->x, b->x, a->dim));
}

/* ---------------------------------------------------------------------
 * Functions
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(a->dim);
}

PG_FUNCTION_INFO_V1(vector_norm);
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	double		norm = 0.0;

	/* in double: a norm is computed once, precision matters more here */
	for (int i = 0; i < a->dim; i++)
		norm += (double) a->x[i] * (double) a->x[i];
	PG_RETURN_FLOAT8(sqrt(norm));
}

/* The zero vector normalises to itself, so cosine indexes can store it. */
PG_FUNCTION_INFO_V1(l2_normalize);
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *result = InitVector(a->dim);
	double		norm = 0.0;

	for (int i = 0; i < a->dim; i++)
		norm += (double) a->x[i] * (double) a->x[i];
	norm = sqrt(norm);
	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = (float) (a->x[i] / norm);
	}
	PG_RETURN_VECTOR_P(result);
}

/*
 * subvector(v, start, count): count elements from 1-based position start.
 * Positions outside the vector are dropped, as substring() does; a result
 * with no element is an error since vectors cannot be empty.
 */
PG_FUNCTION_INFO_V1(subvector);
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	int64		end = (int64) start + count;	/* cannot overflow in int64 */
	Vector	   *result;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));
	if (start < 1)
		start = 1;
	if (end > (int64) a->dim + 1)
		end = a->dim + 1;
	if (end <= start && PG_GETARG_INT32(1) > a->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("Position %d is past the last element of a vector with %d dimensions.",
						   PG_GETARG_INT32(1), a->dim)));
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("Positions %d to %lld are before the first element.",
						   PG_GETARG_INT32(1), (long long) end - 1)));

	result = InitVector((int) (end - start));
	memcpy(result->x, a->x + start - 1, sizeof(float) * result->dim);
	PG_RETURN_VECTOR_P(result);
}

/* Bit i is set when element i is positive. */
PG_FUNCTION_INFO_V1(binary_quantize);
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int			len = VARBITTOTALLEN(a->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits;

	SET_VARSIZE(result, len);
	VARBITLEN(result) = a->dim;
	bits = VARBITS(result);
	for (int i = 0; i < a->dim; i++)
		if (a->x[i] > 0)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	PG_RETURN_VARBIT_P(result);
}

/* ---------------------------------------------------------------------
 * Arithmetic
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(vector_add);
Datum
vector_add(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDims(a->dim, b->dim);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = checkArithmetic(a->x[i] + b->x[i], false);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_sub);
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDims(a->dim, b->dim);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = checkArithmetic(a->x[i] - b->x[i], false);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_mul);
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDims(a->dim, b->dim);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		float		r = a->x[i] * b->x[i];

		/* a product of non-zero factors that rounds to zero underflowed */
		checkArithmetic(r, a->x[i] != 0.0f && b->x[i] != 0.0f);
		result->x[i] = r;
	}
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_concat);
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDimCount(a->dim + b->dim, "vector", VECTOR_MAX_DIM);
	result = InitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* ---------------------------------------------------------------------
 * Comparison, for btree and hash
 * ---------------------------------------------------------------------
 */

/* Element by element; a proper prefix sorts first. */
static int
vectorCompare(Vector *a, Vector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	return 0;
}

#define VECTOR_CMP_FUNC(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	Vector	   *a = PG_GETARG_VECTOR_P(0); \
	Vector	   *b = PG_GETARG_VECTOR_P(1); \
	int			c = vectorCompare(a, b); \
\
	PG_RETURN_BOOL(expr); \
}

VECTOR_CMP_FUNC(vector_lt, c < 0)
VECTOR_CMP_FUNC(vector_le, c <= 0)
VECTOR_CMP_FUNC(vector_eq, c == 0)
VECTOR_CMP_FUNC(vector_ne, c != 0)
VECTOR_CMP_FUNC(vector_ge, c >= 0)
VECTOR_CMP_FUNC(vector_gt, c > 0)

PG_FUNCTION_INFO_V1(vector_cmp);
Datum
vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(vectorCompare(PG_GETARG_VECTOR_P(0),
								  PG_GETARG_VECTOR_P(1)));
}

/* Equal vectors hash equal: -0 and +0 compare equal, so hash them alike. */
PG_FUNCTION_INFO_V1(vector_hash);
Datum
vector_hash(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	uint32		h = hash_bytes_uint32((uint32) a->dim);

	for (int i = 0; i < a->dim; i++)
	{
		float		v = a->x[i] == 0.0f ? 0.0f : a->x[i];
		uint32		bits;

		memcpy(&bits, &v, sizeof(bits));
		h = hash_combine(h, hash_bytes_uint32(bits));
	}
	PG_RETURN_INT32((int32) h);
}

/* ---------------------------------------------------------------------
 * Aggregates avg(vector) and sum(vector)
 *
 * The transition state of avg is a float8[] {count, sum_1, ..., sum_dim}:
 * summing in double keeps the mean exact enough for millions of rows, and
 * an array state needs no serial/deserial functions for parallel plans.
 * ---------------------------------------------------------------------
 */

static ArrayType *
makeAccumState(float8 *values, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(values[i]);
	return construct_array(elems, n, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static float8 *
getAccumState(ArrayType *state, int *n)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		elog(ERROR, "vector aggregate state is not a one-dimensional float8 array");
	*n = ARR_DIMS(state)[0];
	return (float8 *) ARR_DATA_PTR(state);
}

PG_FUNCTION_INFO_V1(vector_accum);
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	Vector	   *v = PG_GETARG_VECTOR_P(1);
	int			n;
	float8	   *sums = getAccumState(state, &n);
	float8	   *next;

	if (n == 1)
	{
		/* first row: the initial state is {0} */
		next = palloc0(sizeof(float8) * (v->dim + 1));
	}
	else
	{
		CheckVectorDims(n - 1, v->dim);
		next = palloc(sizeof(float8) * n);
		memcpy(next, sums, sizeof(float8) * n);
	}
	next[0] = sums[0] + 1;
	for (int i = 0; i < v->dim; i++)
		next[i + 1] += v->x[i];
	PG_RETURN_ARRAYTYPE_P(makeAccumState(next, v->dim + 1));
}

PG_FUNCTION_INFO_V1(vector_combine);
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	int			na,
				nb;
	float8	   *a = getAccumState(PG_GETARG_ARRAYTYPE_P(0), &na);
	float8	   *b = getAccumState(PG_GETARG_ARRAYTYPE_P(1), &nb);
	float8	   *next;

	if (na == 1)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(1));
	if (nb == 1)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(0));
	CheckVectorDims(na - 1, nb - 1);
	next = palloc(sizeof(float8) * na);
	for (int i = 0; i < na; i++)
		next[i] = a[i] + b[i];
	PG_RETURN_ARRAYTYPE_P(makeAccumState(next, na));
}

PG_FUNCTION_INFO_V1(vector_avg);
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	int			n;
	float8	   *sums = getAccumState(PG_GETARG_ARRAYTYPE_P(0), &n);
	Vector	   *result;

	/* no rows: avg is NULL, as for numbers */
	if (n == 1 || sums[0] == 0)
		PG_RETURN_NULL();
	result = InitVector(n - 1);
	for (int i = 0; i < n - 1; i++)
		result->x[i] = checkArithmetic((float) (sums[i + 1] / sums[0]), false);
	PG_RETURN_VECTOR_P(result);
}
