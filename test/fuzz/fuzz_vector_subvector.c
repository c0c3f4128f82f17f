/*-------------------------------------------------------------------------
 *
 * fuzz_vector_subvector.c
 *	  libFuzzer harness for subvector(v, start, count).
 *
 * Input: bytes 0-3 start and 4-7 count (big-endian int32), the rest the
 * text of the vector (no typmod).  Checked against a model of the
 * documented behaviour: positions outside the vector are dropped, as
 * substring() drops them, and an empty result is an ERROR.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_subvector.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"

#include "pgstub.h"
#include "type/vector.h"

extern Datum subvector(PG_FUNCTION_ARGS);

FUZZ_DECLARE_TYPE(vector);

static int32
takeInt32(const uint8_t *p)
{
	return (int32) (((uint32) p[0] << 24) | ((uint32) p[1] << 16) |
					((uint32) p[2] << 8) | (uint32) p[3]);
}

static void
FuzzVectorSubvector(const FuzzType *type, const uint8_t *data, size_t size)
{
	int32		start;
	int32		count;
	char	   *lit;
	Datum		args[3];
	Vector	   *vec;
	int64		lo;
	int64		hi;
	Vector	   *volatile sub = NULL;

	if (size < 8)
		return;
	start = takeInt32(data);
	count = takeInt32(data + 4);
	lit = palloc(size - 8 + 1);
	memcpy(lit, data + 8, size - 8);
	lit[size - 8] = '\0';
	args[0] = CStringGetDatum(lit);
	args[1] = ObjectIdGetDatum(InvalidOid);
	args[2] = Int32GetDatum(-1);
	vec = (Vector *) DatumGetPointer(FuzzCall(type->in, 3, args));

	/* the model: 1-based positions [lo, hi] that exist in vec */
	lo = Max((int64) start, 1);
	hi = Min((int64) start + count - 1, (int64) vec->dim);

	args[0] = PointerGetDatum(vec);
	args[1] = Int32GetDatum(start);
	args[2] = Int32GetDatum(count);
	PG_TRY();
	{
		sub = (Vector *) DatumGetPointer(FuzzCall(subvector, 3, args));
	}
	PG_CATCH();
	{
		if (count >= 1 && hi >= lo)
			FuzzFinding("vector: subvector(%d dims, %d, %d) failed: %s",
						vec->dim, start, count, StubLastErrorMessage());
		if (StubLastErrorCode() == ERRCODE_INTERNAL_ERROR)
			FuzzFinding("vector: internal error from subvector: %s",
						StubLastErrorMessage());
		FlushErrorState();
	}
	PG_END_TRY();
	if (sub == NULL)
		return;

	if (count < 1 || hi < lo)
		FuzzFinding("vector: subvector(%d dims, %d, %d) returned %d dims",
					vec->dim, start, count, sub->dim);
	if (sub->dim != hi - lo + 1 ||
		memcmp(sub->x, vec->x + lo - 1, sizeof(float) * sub->dim) != 0)
		FuzzFinding("vector: subvector(%d dims, %d, %d) returned the wrong elements",
					vec->dim, start, count);
	FuzzCheckRoundTrip(type, PointerGetDatum(sub), -1);
}

FUZZ_ENTRY(VectorSubvector)
