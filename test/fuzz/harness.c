/*-------------------------------------------------------------------------
 *
 * harness.c
 *	  The harness template: fuzz bytes to arguments, round-trip checks.
 *
 * Input formats (the first byte is a header, the rest is the payload):
 *
 *	TextInput, BinaryInput: byte 0 picks the typmod.  Even: -1 (no typmod,
 *	  the common case).  0x01: the next 4 bytes, big-endian, are the typmod.
 *	  Other odd values: typmod (int8) byte0 >> 1, i.e. -64 .. 63.  The
 *	  payload is the cstring (cut at the first NUL, as the server never
 *	  passes a NUL inside a cstring) or the bytes of the binary message.
 *	TypmodInput: byte 0 bits 0-1 pick the shape of the cstring[] (0 or 3:
 *	  1-D, 1: 2-D when the count is even, 2: empty); bit 2 makes element
 *	  (byte0 >> 3) % n NULL.  The payload split at ',' gives the elements.
 *
 * After a successful parse the value goes through out -> in and
 * send -> recv (with the same typmod) and must come back byte for byte;
 * recv must consume the whole message it produced with send.
 *
 * A caught ERROR must carry an SQLSTATE other than XX000 and a message:
 * elog(ERROR) is for cannot-happen conditions, so reaching one from input
 * is a finding too.
 *
 * IDENTIFICATION
 *	  test/fuzz/harness.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"

#include "distance/distance.h"
#include "harness.h"
#include "pgstub.h"

extern int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* as _PG_init does: the distance kernels are chosen once */
	VectorKernelsInit();
	return 0;
}

void
FuzzFinding(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "FINDING: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

Datum
FuzzCall(PGFunction fn, int nargs, Datum *args)
{
	LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
	FmgrInfo	flinfo;
	Datum		result;

	/* a fresh FmgrInfo per call: fn_extra must not outlive the arena */
	memset(&flinfo, 0, sizeof(flinfo));
	flinfo.fn_addr = fn;
	flinfo.fn_nargs = nargs;
	flinfo.fn_strict = true;
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, InvalidOid, NULL, NULL);
	for (int i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = false;
	}
	result = fn(fcinfo);
	if (fcinfo->isnull)
		FuzzFinding("function returned NULL for non-NULL arguments");
	return result;
}

/* Typmod from the header byte(s); advances *data and *size past them. */
int32
FuzzTakeTypmod(const uint8_t **data, size_t *size)
{
	uint8_t		b = (*data)[0];

	(*data)++;
	(*size)--;
	if ((b & 1) == 0)
		return -1;
	if (b == 0x01 && *size >= 4)
	{
		int32		t = (int32) (((uint32) (*data)[0] << 24) |
								 ((uint32) (*data)[1] << 16) |
								 ((uint32) (*data)[2] << 8) |
								 (uint32) (*data)[3]);

		*data += 4;
		*size -= 4;
		return t;
	}
	return ((int8) b) >> 1;
}

static void
checkVarlena(const FuzzType *type, Datum d, const char *what)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (v == NULL)
		FuzzFinding("%s: %s returned a NULL pointer", type->name, what);
	if (VARATT_IS_EXTENDED(v) || VARSIZE(v) < VARHDRSZ)
		FuzzFinding("%s: %s returned a malformed varlena", type->name, what);
}

static void roundTrip(const FuzzType *type, Datum value, int32 typmod);

static void
checkSame(const FuzzType *type, Datum a, Datum b, const char *how,
		  const char *text)
{
	Size		len = VARSIZE(DatumGetPointer(a));

	if (VARSIZE(DatumGetPointer(b)) != len ||
		memcmp(DatumGetPointer(a), DatumGetPointer(b), len) != 0)
		FuzzFinding("%s: %s round trip changed the value (text form \"%.200s\")",
					type->name, how, text);
}

/*
 * out -> in and send -> recv must reproduce value exactly.  An ERROR here
 * is a finding: the type rejected its own output.
 */
void
FuzzCheckRoundTrip(const FuzzType *type, Datum value, int32 typmod)
{
	PG_TRY();
	{
		roundTrip(type, value, typmod);
	}
	PG_CATCH();
	{
		FuzzFinding("%s: a value that was accepted fails its round trip: %s",
					type->name, StubLastErrorMessage());
	}
	PG_END_TRY();
}

static void
roundTrip(const FuzzType *type, Datum value, int32 typmod)
{
	Datum		args[3];
	char	   *text;
	Datum		again;
	bytea	   *bin;
	StringInfoData msg;

	checkVarlena(type, value, "input");

	args[0] = value;
	text = DatumGetCString(FuzzCall(type->out, 1, args));
	args[0] = CStringGetDatum(text);
	args[1] = ObjectIdGetDatum(InvalidOid);
	args[2] = Int32GetDatum(typmod);
	again = FuzzCall(type->in, 3, args);
	checkVarlena(type, again, "in of out");
	checkSame(type, value, again, "out/in", text);

	args[0] = value;
	bin = DatumGetByteaPP(FuzzCall(type->send, 1, args));
	msg.data = VARDATA_ANY(bin);
	msg.len = VARSIZE_ANY_EXHDR(bin);
	msg.maxlen = msg.len;
	msg.cursor = 0;
	args[0] = PointerGetDatum(&msg);
	again = FuzzCall(type->recv, 3, args);
	checkVarlena(type, again, "recv of send");
	if (msg.cursor != msg.len)
		FuzzFinding("%s: recv left %d of the %d bytes send produced",
					type->name, msg.len - msg.cursor, msg.len);
	checkSame(type, value, again, "send/recv", text);
}

void
FuzzTextInput(const FuzzType *type, const uint8_t *data, size_t size)
{
	int32		typmod = FuzzTakeTypmod(&data, &size);
	char	   *lit = palloc(size + 1);
	Datum		args[3];
	Datum		value;

	memcpy(lit, data, size);
	lit[size] = '\0';
	args[0] = CStringGetDatum(lit);
	args[1] = ObjectIdGetDatum(InvalidOid);
	args[2] = Int32GetDatum(typmod);
	value = FuzzCall(type->in, 3, args);
	FuzzCheckRoundTrip(type, value, typmod);
}

void
FuzzBinaryInput(const FuzzType *type, const uint8_t *data, size_t size)
{
	int32		typmod = FuzzTakeTypmod(&data, &size);
	StringInfoData msg;
	Datum		args[3];
	Datum		value;

	/* as the server's: a NUL-terminated copy of the value's bytes */
	msg.data = palloc(size + 1);
	memcpy(msg.data, data, size);
	msg.data[size] = '\0';
	msg.len = size;
	msg.maxlen = size + 1;
	msg.cursor = 0;
	args[0] = PointerGetDatum(&msg);
	args[1] = ObjectIdGetDatum(InvalidOid);
	args[2] = Int32GetDatum(typmod);
	value = FuzzCall(type->recv, 3, args);

	/* the server rejects a value that leaves bytes unread */
	if (msg.cursor != msg.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format")));
	FuzzCheckRoundTrip(type, value, typmod);
}

void
FuzzTypmodInput(const FuzzType *type, const uint8_t *data, size_t size)
{
	uint8_t		shape = data[0];
	char	   *payload = palloc(size);
	Datum	   *elems = palloc(sizeof(Datum) * size);
	bool	   *nulls = palloc0(sizeof(bool) * size);
	int			n = 0;
	int			ndim;
	int			dims[2];
	char	   *p;
	Datum		arg;
	int32		typmod;

	/* the payload without the header byte, split at ',' */
	memcpy(payload, data + 1, size - 1);
	payload[size - 1] = '\0';
	p = payload;
	elems[n++] = CStringGetDatum(p);
	for (; *p; p++)
		if (*p == ',')
		{
			*p = '\0';
			elems[n++] = CStringGetDatum(p + 1);
		}

	if ((shape & 3) == 2)
		n = 0;
	if (n > 0 && (shape & 4))
		nulls[(shape >> 3) % n] = true;
	ndim = n == 0 ? 0 : 1;
	dims[0] = n;
	if ((shape & 3) == 1 && n % 2 == 0 && n > 0)
	{
		ndim = 2;
		dims[0] = 2;
		dims[1] = n / 2;
	}

	arg = PointerGetDatum(StubBuildArray(elems, nulls, n, ndim, dims,
										 CSTRINGOID));
	typmod = DatumGetInt32(FuzzCall(type->typmod_in, 1, &arg));
	if (typmod < 0)
		FuzzFinding("%s: typmod input returned %d", type->name, typmod);
}

int
FuzzRun(FuzzInputKind kind, const FuzzType *type, const uint8_t *data,
		size_t size)
{
	if (size == 0)
		return 0;
	PG_TRY();
	{
		kind(type, data, size);
	}
	PG_CATCH();
	{
		if (StubLastErrorCode() == ERRCODE_INTERNAL_ERROR)
			FuzzFinding("%s: internal error reached from input: %s",
						type->name, StubLastErrorMessage());
		if (StubLastErrorMessage()[0] == '\0')
			FuzzFinding("%s: ERROR without a message", type->name);
		FlushErrorState();
	}
	PG_END_TRY();
	StubArenaReset();
	return 0;
}
