/*-------------------------------------------------------------------------
 *
 * fuzz_vector_cast.c
 *	  libFuzzer harness for the casts between arrays and vector.
 *
 * Input: byte 0 picks the element type (% 3: int4, float4, float8), bits
 * 2-3 the shape (0: 1-D, 1: 2-D when the count is even, 2: 3-D, 3: empty)
 * and bit 4 a NULL at element (byte0 >> 5) % n; byte 1 is the typmod
 * header of harness.c; the rest are the elements in native byte order.
 *
 * Checked: array_to_vector accepts exactly the 1-D arrays without NULLs
 * of 1 to VECTOR_MAX_DIM elements whose count fits the typmod and whose
 * elements convert to finite float4 values, where a float8 is out of range
 * only when it overflows to infinity or underflows to zero, as in the
 * server's float8 -> float4 cast; every element converts as a C cast does;
 * vector -> real[] -> vector and the typmod cast vector(v, dim) give the
 * value back.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_cast.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "pgstub.h"
#include "type/vector.h"

extern Datum array_to_vector(PG_FUNCTION_ARGS);
extern Datum vector_to_float4(PG_FUNCTION_ARGS);
extern Datum vector(PG_FUNCTION_ARGS);

FUZZ_DECLARE_TYPE(vector);

/* The element as a float, as the cast should compute it. */
static float
expectedElement(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case INT4OID:
			return (float) DatumGetInt32(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		default:
			return (float) DatumGetFloat8(d);
	}
}

/* Whether the element is in range for the cast. */
static bool
elementInRange(Datum d, Oid elemtype)
{
	float		f = expectedElement(d, elemtype);

	if (elemtype == FLOAT8OID)
		return isfinite(DatumGetFloat8(d)) && isfinite(f) &&
			(f != 0.0f || DatumGetFloat8(d) == 0.0);
	return isfinite(f);
}

/* The model: whether array_to_vector must accept this array. */
static bool
castShouldSucceed(Datum *elems, bool hasnull, int n, int ndim, Oid elemtype,
				  int32 typmod)
{
	if (ndim != 1 || hasnull || n < 1 || n > VECTOR_MAX_DIM)
		return false;
	if (typmod != -1 && typmod != n)
		return false;
	for (int i = 0; i < n; i++)
		if (!elementInRange(elems[i], elemtype))
			return false;
	return true;
}

static void
checkCastResult(Vector *vec, Datum *elems, int n, Oid elemtype)
{
	if (vec->dim != n)
		FuzzFinding("vector: cast of %d elements gave %d", n, vec->dim);
	for (int i = 0; i < n; i++)
	{
		float		want = expectedElement(elems[i], elemtype);

		if (memcmp(&want, &vec->x[i], sizeof(float)) != 0)
			FuzzFinding("vector: element %d cast to %g, expected %g",
						i, vec->x[i], want);
	}
}

/* n elements of elemtype from native-order bytes; result is palloc'd. */
static Datum *
decodeElements(const uint8_t *data, int n, Oid elemtype)
{
	Datum	   *elems = palloc(sizeof(Datum) * (n + 1));

	for (int i = 0; i < n; i++)
	{
		int32		i4;
		float4		f4;
		float8		f8;

		switch (elemtype)
		{
			case INT4OID:
				memcpy(&i4, data + i * sizeof(i4), sizeof(i4));
				elems[i] = Int32GetDatum(i4);
				break;
			case FLOAT4OID:
				memcpy(&f4, data + i * sizeof(f4), sizeof(f4));
				elems[i] = Float4GetDatum(f4);
				break;
			default:
				memcpy(&f8, data + i * sizeof(f8), sizeof(f8));
				elems[i] = Float8GetDatum(f8);
				break;
		}
	}
	return elems;
}

static void
FuzzVectorCast(const FuzzType *type, const uint8_t *data, size_t size)
{
	static const Oid elemtypes[] = {INT4OID, FLOAT4OID, FLOAT8OID};
	uint8_t		b0 = data[0];
	Oid			elemtype = elemtypes[b0 % 3];
	int			elmlen = elemtype == FLOAT8OID ? 8 : 4;
	int			shape = (b0 >> 2) & 3;
	int32		typmod;
	int			n;
	int			ndim;
	int			dims[3];
	Datum	   *elems;
	bool	   *nulls;
	bool		hasnull;
	bool		ok;
	Datum		args[3];
	Vector	   *volatile vec = NULL;
	Datum		again;

	data++;
	size--;
	if (size == 0)
		return;
	typmod = FuzzTakeTypmod(&data, &size);
	n = shape == 3 ? 0 : size / elmlen;
	elems = decodeElements(data, n, elemtype);
	nulls = palloc0(sizeof(bool) * (n + 1));
	hasnull = n > 0 && (b0 & 0x10);
	if (hasnull)
		nulls[(b0 >> 5) % n] = true;

	ndim = n > 0 ? 1 : 0;
	dims[0] = n;
	if (shape == 1 && n > 0 && n % 2 == 0)
	{
		ndim = 2;
		dims[0] = 2;
		dims[1] = n / 2;
	}
	else if (shape == 2 && n > 0)
	{
		ndim = 3;
		dims[0] = dims[1] = 1;
		dims[2] = n;
	}

	args[0] = PointerGetDatum(StubBuildArray(elems, nulls, n, ndim, dims,
											 elemtype));
	args[1] = Int32GetDatum(typmod);
	args[2] = BoolGetDatum(true);
	ok = castShouldSucceed(elems, hasnull, n, ndim, elemtype, typmod);
	PG_TRY();
	{
		vec = (Vector *) DatumGetPointer(FuzzCall(array_to_vector, 3, args));
	}
	PG_CATCH();
	{
		if (ok)
			FuzzFinding("vector: cast of a valid %s[] of %d elements failed: %s",
						format_type_be(elemtype), n, StubLastErrorMessage());
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (!ok)
		FuzzFinding("vector: cast accepted an invalid %d-D %s[] of %d elements%s",
					ndim, format_type_be(elemtype), n,
					hasnull ? " with a NULL" : "");
	checkCastResult(vec, elems, n, elemtype);
	FuzzCheckRoundTrip(type, PointerGetDatum(vec), typmod);

	/* vector -> real[] -> vector, and the typmod cast to its own size */
	args[0] = PointerGetDatum(vec);
	args[1] = Int32GetDatum(-1);
	args[2] = BoolGetDatum(false);
	args[0] = FuzzCall(vector_to_float4, 3, args);
	again = FuzzCall(array_to_vector, 3, args);
	if (memcmp(DatumGetPointer(again), vec, VARSIZE(vec)) != 0)
		FuzzFinding("vector: vector -> real[] -> vector changed the value");
	args[0] = PointerGetDatum(vec);
	args[1] = Int32GetDatum(vec->dim);
	again = FuzzCall(vector, 3, args);
	if (memcmp(DatumGetPointer(again), vec, VARSIZE(vec)) != 0)
		FuzzFinding("vector: vector(v, dim) changed the value");
}

FUZZ_ENTRY(VectorCast)
