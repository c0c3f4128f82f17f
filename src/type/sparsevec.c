/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec type: input/output, typmod, casts, distances, functions.
 *
 * A sparsevec stores only its non-zero elements, as parallel arrays of
 * ascending 0-based indices and float4 values (see sparsevec.h).  Binary
 * operations walk the two index arrays together, as a merge join does, so
 * they cost O(nnz(a) + nnz(b)) whatever the number of dimensions.  Sums are
 * accumulated in float4 in index order, which gives the same result as the
 * scalar dense kernel on the equivalent vector.
 *
 * IDENTIFICATION
 *	  src/type/sparsevec.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <limits.h>
#include <math.h>

#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "distance/distance.h"
#include "type/halfvec.h"
#include "type/sparsevec.h"
#include "type/vector.h"

/* One element of the text form while it is parsed: 1-based index. */
typedef struct SparseInputElement
{
	int64		index;
	float		value;
} SparseInputElement;

/*
 * Allocate a sparsevec of dim dimensions with room for nnz elements, zeroed.
 * Result is palloc'd in the current memory context.
 */
SparseVector *
InitSparseVector(int dim, int nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector *result = (SparseVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

static void
checkSparsevecDims(int dima, int dimb)
{
	if (dima != dimb)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", dima, dimb)));
}

static void
checkNonZeroCount(int64 nnz)
{
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						SPARSEVEC_MAX_NNZ)));
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
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
			 errdetail("%s", detail)));
}

/* A decimal integer at *p; out-of-range numbers saturate, to fail later. */
static int64
parseInteger(const char *lit, const char *p, char **end, const char *detail)
{
	long long	v;

	if (*p != '-' && *p != '+' && (*p < '0' || *p > '9'))
		reportSyntax(lit, detail);
	errno = 0;
	v = strtoll(p, end, 10);
	if (*end == p)
		reportSyntax(lit, detail);
	if (errno == ERANGE)
		return v < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	return (int64) v;
}

/* One finite float4 at *p, for an element's value. */
static float
parseValue(const char *lit, const char *p, char **end)
{
	float		value;

	if (*p == ',' || *p == '}' || *p == '\0')
		reportSyntax(lit, "Elements must be index:value pairs separated by \",\".");
	errno = 0;
	value = strtof(p, end);
	if (*end == p)
		reportSyntax(lit, "Elements must be index:value pairs separated by \",\".");
	if (errno == ERANGE && (value == 0.0f || isinf(value)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%.*s\" is out of range for type sparsevec",
						(int) (*end - p), p)));
	CheckVectorElement(value, "sparsevec");
	return value;
}

/*
 * Parse "{i:v,...}" at p into a palloc'd array of elements; returns the
 * position after the closing brace.
 */
static const char *
parseElements(const char *lit, const char *p, SparseInputElement **elems,
			  int *count)
{
	int			capacity = 16;
	int			n = 0;
	SparseInputElement *e = palloc(sizeof(SparseInputElement) * capacity);

	p = VectorSkipSpace(p);
	if (*p != '{')
		reportSyntax(lit, "Sparse vector contents must start with \"{\".");
	p = VectorSkipSpace(p + 1);
	while (*p != '}')
	{
		char	   *end;

		if (n == capacity)
		{
			capacity *= 2;
			e = repalloc(e, sizeof(SparseInputElement) * capacity);
		}
		e[n].index = parseInteger(lit, p, &end,
								  "Elements must be index:value pairs separated by \",\".");
		p = VectorSkipSpace(end);
		if (*p != ':')
			reportSyntax(lit, "Elements must be index:value pairs separated by \",\".");
		e[n].value = parseValue(lit, VectorSkipSpace(p + 1), &end);
		n++;
		p = VectorSkipSpace(end);
		if (*p == ',')
			p = VectorSkipSpace(p + 1);
		else if (*p != '}')
			reportSyntax(lit, "Elements must be separated by \",\" and the elements must end with \"}\".");
		else
			break;
		if (*p == '}')
			reportSyntax(lit, "Elements must be index:value pairs separated by \",\".");
	}
	*elems = e;
	*count = n;
	return p + 1;
}

static int
compareInputElements(const void *a, const void *b)
{
	int64		x = ((const SparseInputElement *) a)->index;
	int64		y = ((const SparseInputElement *) b)->index;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Check the indices against dim, sort them (the text form may list elements
 * in any order), reject duplicates, drop zeros and build the value.
 */
static SparseVector *
buildFromElements(SparseInputElement *e, int n, int64 dim)
{
	SparseVector *result;
	float	   *values;
	int			nnz = 0;

	/* clamp first: the text may hold any 64-bit number */
	CheckVectorDimCount((int) Max(Min(dim, PG_INT32_MAX), PG_INT32_MIN),
						"sparsevec", SPARSEVEC_MAX_DIM);
	for (int i = 0; i < n; i++)
	{
		if (e[i].index < 1 || e[i].index > dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %lld is out of range",
							(long long) e[i].index),
					 errdetail("Indices must be between 1 and %d.", (int) dim)));
		if (e[i].value != 0.0f)
			nnz++;
	}
	checkNonZeroCount(nnz);
	qsort(e, n, sizeof(SparseInputElement), compareInputElements);

	result = InitSparseVector((int) dim, nnz);
	values = SparsevecValues(result);
	nnz = 0;
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && e[i].index == e[i - 1].index)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %lld appears more than once",
							(long long) e[i].index)));
		if (e[i].value == 0.0f)
			continue;
		result->indices[nnz] = (int32) (e[i].index - 1);
		values[nnz++] = e[i].value;
	}
	return result;
}

PG_FUNCTION_INFO_V1(sparsevec_in);
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	SparseInputElement *elems;
	int			n;
	const char *p;
	char	   *end;
	int64		dim;
	SparseVector *result;

	p = VectorSkipSpace(parseElements(lit, lit, &elems, &n));
	if (*p != '/')
		reportSyntax(lit, "Elements must be followed by \"/\" and the number of dimensions.");
	dim = parseInteger(lit, VectorSkipSpace(p + 1), &end,
					   "Elements must be followed by \"/\" and the number of dimensions.");
	if (*VectorSkipSpace(end) != '\0')
		reportSyntax(lit, "Junk after the number of dimensions.");

	result = buildFromElements(elems, n, dim);
	CheckVectorTypmod(PG_GETARG_INT32(2), result->dim);
	pfree(elems);
	PG_RETURN_SPARSEVEC_P(result);
}

PG_FUNCTION_INFO_V1(sparsevec_out);
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *vec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparsevecValues(vec);
	StringInfoData buf;

	/* an index takes at most 10 digits, a value FLOAT_SHORTEST_DECIMAL_LEN */
	initStringInfo(&buf);
	enlargeStringInfo(&buf, vec->nnz * (FLOAT_SHORTEST_DECIMAL_LEN + 12) + 16);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < vec->nnz; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfo(&buf, "%d:", vec->indices[i] + 1);
		buf.len += float_to_shortest_decimal_bufn(values[i], buf.data + buf.len);
	}
	appendStringInfo(&buf, "}/%d", vec->dim);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(sparsevec_typmod_in);
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorTypmodIn(PG_GETARG_ARRAYTYPE_P(0), "sparsevec",
								   SPARSEVEC_MAX_DIM));
}

static void
reportBadBinary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary data for type sparsevec"),
			 errdetail("%s", detail)));
}

/*
 * Binary input must already be canonical in its indices: strictly ascending
 * and in range.  Zero values are dropped, as in the text form.
 */
PG_FUNCTION_INFO_V1(sparsevec_recv);
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		dim = pq_getmsgint(buf, sizeof(int32));
	int32		nnz = pq_getmsgint(buf, sizeof(int32));
	int32		unused = pq_getmsgint(buf, sizeof(int32));
	SparseVector *result;
	float	   *values;
	int			kept = 0;

	CheckVectorDimCount(dim, "sparsevec", SPARSEVEC_MAX_DIM);
	CheckVectorTypmod(PG_GETARG_INT32(2), dim);
	if (nnz < 0)
		reportBadBinary("The number of elements must not be negative.");
	checkNonZeroCount(nnz);
	if (unused != 0)
		reportBadBinary("The reserved field must be zero.");

	result = InitSparseVector(dim, nnz);
	for (int i = 0; i < nnz; i++)
	{
		result->indices[i] = pq_getmsgint(buf, sizeof(int32));
		if (result->indices[i] < 0 || result->indices[i] >= dim)
			reportBadBinary("An index is out of range.");
		if (i > 0 && result->indices[i] <= result->indices[i - 1])
			reportBadBinary("Indices must be in strictly ascending order.");
	}
	values = SparsevecValues(result);
	for (int i = 0; i < nnz; i++)
	{
		float		v = pq_getmsgfloat4(buf);

		CheckVectorElement(v, "sparsevec");
		if (v == 0.0f)
			continue;
		result->indices[kept] = result->indices[i];
		values[kept++] = v;
	}
	if (kept < nnz)
	{
		/* the values move down to follow the shortened index array */
		memmove(result->indices + kept, values, sizeof(float) * kept);
		result->nnz = kept;
		SET_VARSIZE(result, SPARSEVEC_SIZE(kept));
	}
	PG_RETURN_SPARSEVEC_P(result);
}

PG_FUNCTION_INFO_V1(sparsevec_send);
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *vec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparsevecValues(vec);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, vec->dim);
	pq_sendint32(&buf, vec->nnz);
	pq_sendint32(&buf, vec->unused);
	for (int i = 0; i < vec->nnz; i++)
		pq_sendint32(&buf, vec->indices[i]);
	for (int i = 0; i < vec->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * Casts
 * ---------------------------------------------------------------------
 */

/* sparsevec(n) coercion: the typmod cast */
PG_FUNCTION_INFO_V1(sparsevec);
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *vec = PG_GETARG_SPARSEVEC_P(0);

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_SPARSEVEC_P(vec);
}

/* Keep the non-zero elements of a dense array of floats. */
static SparseVector *
denseToSparse(const float *x, int dim)
{
	int			nnz = 0;
	SparseVector *result;
	float	   *values;

	for (int i = 0; i < dim; i++)
		if (x[i] != 0.0f)
			nnz++;
	checkNonZeroCount(nnz);
	result = InitSparseVector(dim, nnz);
	values = SparsevecValues(result);
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		if (x[i] == 0.0f)
			continue;
		result->indices[nnz] = i;
		values[nnz++] = x[i];
	}
	return result;
}

PG_FUNCTION_INFO_V1(vector_to_sparsevec);
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_SPARSEVEC_P(denseToSparse(vec->x, vec->dim));
}

PG_FUNCTION_INFO_V1(halfvec_to_sparsevec);
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = palloc(sizeof(float) * vec->dim);
	SparseVector *result;

	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	for (int i = 0; i < vec->dim; i++)
		x[i] = HalfToFloat(vec->x[i]);
	result = denseToSparse(x, vec->dim);
	pfree(x);
	PG_RETURN_SPARSEVEC_P(result);
}

/* Arrays are dense: their zero elements are dropped. */
PG_FUNCTION_INFO_V1(array_to_sparsevec);
Datum
array_to_sparsevec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int			dim;
	float	   *values;
	SparseVector *result;

	values = VectorArrayToFloats(array, "sparsevec", SPARSEVEC_MAX_DIM, &dim);
	CheckVectorTypmod(PG_GETARG_INT32(1), dim);
	result = denseToSparse(values, dim);
	pfree(values);
	PG_RETURN_SPARSEVEC_P(result);
}

PG_FUNCTION_INFO_V1(sparsevec_to_vector);
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *vec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparsevecValues(vec);
	Vector	   *result;

	CheckVectorDimCount(vec->dim, "vector", VECTOR_MAX_DIM);
	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	result = InitVector(vec->dim);
	for (int i = 0; i < vec->nnz; i++)
		result->x[vec->indices[i]] = values[i];
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(sparsevec_to_halfvec);
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *vec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparsevecValues(vec);
	HalfVector *result;

	CheckVectorDimCount(vec->dim, "halfvec", HALFVEC_MAX_DIM);
	CheckVectorTypmod(PG_GETARG_INT32(1), vec->dim);
	result = InitHalfVector(vec->dim);
	for (int i = 0; i < vec->nnz; i++)
	{
		uint16		h = FloatToHalf(values[i]);

		if (!HalfIsFinite(h))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%g\" is out of range for type halfvec", values[i])));
		result->x[vec->indices[i]] = h;
	}
	PG_RETURN_HALFVEC_P(result);
}

/* ---------------------------------------------------------------------
 * Distances: merge the two ascending index arrays
 * ---------------------------------------------------------------------
 */

double
SparsevecL2SquaredDistance(SparseVector *a, SparseVector *b)
{
	float	   *av = SparsevecValues(a);
	float	   *bv = SparsevecValues(b);
	int			i = 0,
				j = 0;
	float		sum = 0.0f;

	checkSparsevecDims(a->dim, b->dim);
	while (i < a->nnz || j < b->nnz)
	{
		float		diff;

		if (j == b->nnz || (i < a->nnz && a->indices[i] < b->indices[j]))
			diff = av[i++];
		else if (i == a->nnz || b->indices[j] < a->indices[i])
			diff = bv[j++];
		else
			diff = av[i++] - bv[j++];
		sum += diff * diff;
	}
	return sum;
}

double
SparsevecL1Distance(SparseVector *a, SparseVector *b)
{
	float	   *av = SparsevecValues(a);
	float	   *bv = SparsevecValues(b);
	int			i = 0,
				j = 0;
	float		sum = 0.0f;

	checkSparsevecDims(a->dim, b->dim);
	while (i < a->nnz || j < b->nnz)
	{
		if (j == b->nnz || (i < a->nnz && a->indices[i] < b->indices[j]))
			sum += fabsf(av[i++]);
		else if (i == a->nnz || b->indices[j] < a->indices[i])
			sum += fabsf(bv[j++]);
		else
		{
			sum += fabsf(av[i] - bv[j]);
			i++;
			j++;
		}
	}
	return sum;
}

/* Only indices present in both contribute. */
double
SparsevecInnerProduct(SparseVector *a, SparseVector *b)
{
	float	   *av = SparsevecValues(a);
	float	   *bv = SparsevecValues(b);
	int			i = 0,
				j = 0;
	float		sum = 0.0f;

	checkSparsevecDims(a->dim, b->dim);
	while (i < a->nnz && j < b->nnz)
	{
		if (a->indices[i] < b->indices[j])
			i++;
		else if (a->indices[i] > b->indices[j])
			j++;
		else
			sum += av[i++] * bv[j++];
	}
	return sum;
}

static float
squaredNorm(SparseVector *a)
{
	float	   *av = SparsevecValues(a);
	float		sum = 0.0f;

	for (int i = 0; i < a->nnz; i++)
		sum += av[i] * av[i];
	return sum;
}

/* NaN when either vector is zero, as for vector. */
double
SparsevecCosineDistance(SparseVector *a, SparseVector *b)
{
	float		dot = SparsevecInnerProduct(a, b);

	return CosineDistanceFromParts(dot, squaredNorm(a), squaredNorm(b));
}

#define SPARSEVEC_DISTANCE_FUNC(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0); \
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1); \
\
	PG_RETURN_FLOAT8(expr); \
}

SPARSEVEC_DISTANCE_FUNC(sparsevec_l2_distance, sqrt(SparsevecL2SquaredDistance(a, b)))
SPARSEVEC_DISTANCE_FUNC(sparsevec_l2_squared_distance, SparsevecL2SquaredDistance(a, b))
SPARSEVEC_DISTANCE_FUNC(sparsevec_inner_product, SparsevecInnerProduct(a, b))
SPARSEVEC_DISTANCE_FUNC(sparsevec_negative_inner_product, -SparsevecInnerProduct(a, b))
SPARSEVEC_DISTANCE_FUNC(sparsevec_cosine_distance, SparsevecCosineDistance(a, b))
SPARSEVEC_DISTANCE_FUNC(sparsevec_l1_distance, SparsevecL1Distance(a, b))

/* ---------------------------------------------------------------------
 * Functions
 * ---------------------------------------------------------------------
 */

static double
sparsevecNorm(SparseVector *a)
{
	float	   *av = SparsevecValues(a);
	double		norm = 0.0;

	/* in double, as vector_norm */
	for (int i = 0; i < a->nnz; i++)
		norm += (double) av[i] * (double) av[i];
	return sqrt(norm);
}

PG_FUNCTION_INFO_V1(sparsevec_l2_norm);
Datum
sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sparsevecNorm(PG_GETARG_SPARSEVEC_P(0)));
}

/*
 * The zero vector normalises to itself.  An element that underflows to zero
 * is dropped, so that the result stays canonical.
 */
PG_FUNCTION_INFO_V1(sparsevec_l2_normalize);
Datum
sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *av = SparsevecValues(a);
	double		norm = sparsevecNorm(a);
	float	   *scaled = palloc(sizeof(float) * (a->nnz + 1));
	int			nnz = 0;
	SparseVector *result;
	float	   *rv;

	for (int i = 0; i < a->nnz; i++)
	{
		scaled[i] = (float) (av[i] / norm);
		if (scaled[i] != 0.0f)
			nnz++;
	}
	result = InitSparseVector(a->dim, nnz);
	rv = SparsevecValues(result);
	nnz = 0;
	for (int i = 0; i < a->nnz; i++)
	{
		if (scaled[i] == 0.0f)
			continue;
		result->indices[nnz] = a->indices[i];
		rv[nnz++] = scaled[i];
	}
	pfree(scaled);
	PG_RETURN_SPARSEVEC_P(result);
}

/* ---------------------------------------------------------------------
 * Comparison, for btree and hash
 * ---------------------------------------------------------------------
 */

/*
 * The order of the equivalent dense vectors: element by element over the
 * common dimensions (absent elements are zero), then the shorter first.
 */
static int
sparsevecCompare(SparseVector *a, SparseVector *b)
{
	float	   *av = SparsevecValues(a);
	float	   *bv = SparsevecValues(b);
	int			n = Min(a->dim, b->dim);
	int			i = 0,
				j = 0;

	for (;;)
	{
		int			ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int			ib = j < b->nnz ? b->indices[j] : INT_MAX;
		int			k = Min(ia, ib);
		float		x = 0.0f,
					y = 0.0f;

		if (k >= n)
			break;
		if (ia == k)
			x = av[i++];
		if (ib == k)
			y = bv[j++];
		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	return 0;
}

#define SPARSEVEC_CMP_FUNC(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			c = sparsevecCompare(PG_GETARG_SPARSEVEC_P(0), \
									 PG_GETARG_SPARSEVEC_P(1)); \
\
	PG_RETURN_BOOL(expr); \
}

SPARSEVEC_CMP_FUNC(sparsevec_lt, c < 0)
SPARSEVEC_CMP_FUNC(sparsevec_le, c <= 0)
SPARSEVEC_CMP_FUNC(sparsevec_eq, c == 0)
SPARSEVEC_CMP_FUNC(sparsevec_ne, c != 0)
SPARSEVEC_CMP_FUNC(sparsevec_ge, c >= 0)
SPARSEVEC_CMP_FUNC(sparsevec_gt, c > 0)

PG_FUNCTION_INFO_V1(sparsevec_cmp);
Datum
sparsevec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(sparsevecCompare(PG_GETARG_SPARSEVEC_P(0),
									 PG_GETARG_SPARSEVEC_P(1)));
}

/* Stored values are canonical (no zeros), so hash what is stored. */
PG_FUNCTION_INFO_V1(sparsevec_hash);
Datum
sparsevec_hash(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *av = SparsevecValues(a);
	uint32		h = hash_bytes_uint32((uint32) a->dim);

	for (int i = 0; i < a->nnz; i++)
	{
		uint32		bits;

		memcpy(&bits, &av[i], sizeof(bits));
		h = hash_combine(h, hash_bytes_uint32((uint32) a->indices[i]));
		h = hash_combine(h, hash_bytes_uint32(bits));
	}
	PG_RETURN_INT32((int32) h);
}
