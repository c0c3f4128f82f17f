/*-------------------------------------------------------------------------
 *
 * pgstub.c
 *	  A "mini backend": the backend symbols the type sources need, over malloc.
 *
 * The fuzz harnesses run the extension's real input and output functions
 * in a plain process.  Everything those files take from the server is
 * defined here, written to the same contract as the server's version
 * (same errors, same limits) but as simply as possible:
 *
 *	- palloc and friends: one malloc per chunk, remembered in an arena that
 *	  StubArenaReset() frees after each input.  A chunk is exactly the size
 *	  requested, so AddressSanitizer reports a one-byte overrun, which it
 *	  could not inside a real memory context's blocks.  pfree/repalloc of a
 *	  pointer the arena does not hold aborts: that is a double free.
 *	- ereport: ERROR longjmps to PG_exception_stack, as in the server, so
 *	  PG_TRY in the harness catches it; lower levels are dropped; FATAL,
 *	  PANIC and an ERROR with no PG_TRY around it abort.
 *	- StringInfo, pqformat, detoasting, arrays of int4/float4/float8/
 *	  cstring, ArrayGetIntegerTypmods, pg_strtoint32, a type table.
 *
 * float_to_shortest_decimal_bufn, hash_bytes_uint32, snprintf and the
 * like come from PostgreSQL's own libpgcommon.a and libpgport.a.
 *
 * When a new source file needs a symbol that is missing, the link fails
 * and names it; add it here in the same style.
 *
 * IDENTIFICATION
 *	  test/fuzz/pgstub.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "access/tupmacs.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pgstub.h"

/* ---------------------------------------------------------------------
 * Memory: an arena of malloc'd chunks
 * ---------------------------------------------------------------------
 */

static void **arena;
static int	arena_count;
static int	arena_size;

static void
arenaAdd(void *p)
{
	if (arena_count == arena_size)
	{
		arena_size = arena_size ? arena_size * 2 : 1024;
		arena = realloc(arena, sizeof(void *) * arena_size);
		if (arena == NULL)
			abort();
	}
	arena[arena_count++] = p;
}

/* Index of p in the arena; aborts when p is not a live chunk. */
static int
arenaFind(void *p, const char *caller)
{
	/* newest first: most frees are of recent chunks */
	for (int i = arena_count - 1; i >= 0; i--)
		if (arena[i] == p)
			return i;
	fprintf(stderr, "pgstub: %s of %p, which is not a live palloc'd chunk\n",
			caller, p);
	abort();
}

void
StubArenaReset(void)
{
	for (int i = 0; i < arena_count; i++)
		free(arena[i]);
	arena_count = 0;
}

int
StubArenaCount(void)
{
	return arena_count;
}

static void *
allocChunk(Size size, bool zero)
{
	void	   *p;

	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	arenaAdd(p);
	return p;
}

void *
palloc(Size size)
{
	return allocChunk(size, false);
}

void *
palloc0(Size size)
{
	return allocChunk(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return allocChunk(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return allocChunk(size, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return allocChunk(size, true);
}

void
pfree(void *pointer)
{
	int			i = arenaFind(pointer, "pfree");

	free(pointer);
	arena[i] = arena[--arena_count];
}

void *
repalloc(void *pointer, Size size)
{
	int			i = arenaFind(pointer, "repalloc");
	void	   *p;

	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	p = realloc(pointer, size ? size : 1);
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	arena[i] = p;
	return p;
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in) + 1;
	char	   *out = palloc(len);

	memcpy(out, in, len);
	return out;
}

char *
psprintf(const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Errors: ereport(ERROR) longjmps to the innermost PG_TRY
 * ---------------------------------------------------------------------
 */

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

/* Only one error at a time: the stub never reports inside a report. */
static struct
{
	int			elevel;
	int			sqlerrcode;
	char		message[1024];
	char		detail[1024];
	const char *filename;
	int			lineno;
}			err;

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;
	err.elevel = elevel;
	err.sqlerrcode = ERRCODE_INTERNAL_ERROR;
	err.message[0] = '\0';
	err.detail[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	err.filename = filename;
	err.lineno = lineno;
	/* FATAL or PANIC would end the backend: never right for bad input */
	if (err.elevel > ERROR)
	{
		fprintf(stderr, "pgstub: elevel %d at %s:%d: %s\n",
				err.elevel, filename, lineno, err.message);
		abort();
	}
	if (PG_exception_stack == NULL)
	{
		fprintf(stderr, "pgstub: uncaught ERROR at %s:%d: %s\n",
				filename, lineno, err.message);
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		abort();
	siglongjmp(*PG_exception_stack, 1);
}

void
FlushErrorState(void)
{
	err.elevel = 0;
}

int
StubLastErrorCode(void)
{
	return err.sqlerrcode;
}

const char *
StubLastErrorMessage(void)
{
	return err.message;
}

int
errcode(int sqlerrcode)
{
	err.sqlerrcode = sqlerrcode;
	return 0;
}

#define FORMAT_INTO(field, fmt) \
	do { \
		va_list		args; \
		va_start(args, fmt); \
		vsnprintf(field, sizeof(field), fmt, args); \
		va_end(args); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(err.message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(err.message, fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FORMAT_INTO(err.detail, fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	FORMAT_INTO(err.detail, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	/* hints are not checked by the harnesses; format them for ASan only */
	char		hint[1024];

	FORMAT_INTO(hint, fmt);
	return 0;
}

/* ---------------------------------------------------------------------
 * StringInfo
 * ---------------------------------------------------------------------
 */

StringInfo
makeStringInfo(void)
{
	StringInfo	res = palloc(sizeof(StringInfoData));

	initStringInfo(res);
	return res;
}

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

/* As the server's: room for needed more bytes plus a NUL, or an ERROR. */
void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0)
		elog(ERROR, "invalid string enlargement request size: %d", needed);
	if (((Size) needed) >= (MaxAllocSize - (Size) str->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	if (newlen > (int) MaxAllocSize)
		newlen = (int) MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

int
appendStringInfoVA(StringInfo str, const char *fmt, va_list args)
{
	int			avail = str->maxlen - str->len;
	int			nprinted;

	nprinted = vsnprintf(str->data + str->len, avail, fmt, args);
	if (nprinted < avail)
	{
		str->len += nprinted;
		return 0;
	}
	str->data[str->len] = '\0';
	return nprinted + 1;
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(str, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(str, needed);
	}
}

void
appendBinaryStringInfoNT(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	appendBinaryStringInfoNT(str, data, datalen);
	str->data[str->len] = '\0';
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len++] = ch;
	str->data[str->len] = '\0';
}

void
appendStringInfoSpaces(StringInfo str, int count)
{
	if (count <= 0)
		return;
	enlargeStringInfo(str, count);
	memset(str->data + str->len, ' ', count);
	str->len += count;
	str->data[str->len] = '\0';
}

/* ---------------------------------------------------------------------
 * pqformat: binary send and receive
 * ---------------------------------------------------------------------
 */

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	/* room for the varlena header, filled in by pq_endtypsend */
	appendBinaryStringInfo(buf, "\0\0\0\0", 4);
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendbytes(StringInfo buf, const char *data, int datalen)
{
	appendBinaryStringInfo(buf, data, datalen);
}

void
pq_sendfloat4(StringInfo buf, float4 f)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.f = f;
	pq_sendint32(buf, swap.i);
}

void
pq_sendfloat8(StringInfo buf, float8 f)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.f = f;
	pq_sendint64(buf, swap.i);
}

void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

const char *
pq_getmsgbytes(StringInfo msg, int datalen)
{
	const char *result;

	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	result = &msg->data[msg->cursor];
	msg->cursor += datalen;
	return result;
}

int
pq_getmsgbyte(StringInfo msg)
{
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	return (unsigned char) msg->data[msg->cursor++];
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	unsigned char n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			return n8;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			return pg_ntoh32(n32);
		default:
			elog(ERROR, "unsupported integer size %d", b);
			return 0;
	}
}

int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	pq_copymsgbytes(msg, (char *) &n64, sizeof(n64));
	return pg_ntoh64(n64);
}

float4
pq_getmsgfloat4(StringInfo msg)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.i = pq_getmsgint(msg, 4);
	return swap.f;
}

float8
pq_getmsgfloat8(StringInfo msg)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.i = pq_getmsgint64(msg);
	return swap.f;
}

void
pq_getmsgend(StringInfo msg)
{
	if (msg->cursor != msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid message format")));
}

/* ---------------------------------------------------------------------
 * fmgr and detoasting
 * ---------------------------------------------------------------------
 */

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

/*
 * The harnesses only build plain 4-byte-header values; anything else would
 * be a harness bug, not a finding in the code under test.
 */
struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
	{
		fprintf(stderr, "pgstub: toasted or short datum reached pg_detoast_datum\n");
		abort();
	}
	return datum;
}

struct varlena *
pg_detoast_datum_copy(struct varlena *datum)
{
	struct varlena *copy = palloc(VARSIZE(pg_detoast_datum(datum)));

	memcpy(copy, datum, VARSIZE(datum));
	return copy;
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_COMPRESSED(datum) || VARATT_IS_EXTERNAL(datum))
		return pg_detoast_datum(datum);
	return datum;
}

/* numeric arrays are never built by the harnesses */
Datum
numeric_float8(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("numeric is not available in the fuzz harness")));
	PG_RETURN_NULL();
}

/* ---------------------------------------------------------------------
 * Types and arrays
 * ---------------------------------------------------------------------
 */

void
get_typlenbyvalalign(Oid typid, int16 *typlen, bool *typbyval,
					 char *typalign)
{
	switch (typid)
	{
		case INT4OID:
		case FLOAT4OID:
			*typlen = 4;
			*typbyval = true;
			*typalign = TYPALIGN_INT;
			break;
		case FLOAT8OID:
			*typlen = 8;
			*typbyval = FLOAT8PASSBYVAL;
			*typalign = TYPALIGN_DOUBLE;
			break;
		case CSTRINGOID:
			*typlen = -2;
			*typbyval = false;
			*typalign = TYPALIGN_CHAR;
			break;
		case NUMERICOID:
			*typlen = -1;
			*typbyval = false;
			*typalign = TYPALIGN_INT;
			break;
		default:
			elog(ERROR, "cache lookup failed for type %u", typid);
	}
}

char *
format_type_be(Oid type_oid)
{
	switch (type_oid)
	{
		case INT4OID:
			return pstrdup("integer");
		case FLOAT4OID:
			return pstrdup("real");
		case FLOAT8OID:
			return pstrdup("double precision");
		case NUMERICOID:
			return pstrdup("numeric");
		case CSTRINGOID:
			return pstrdup("cstring");
		default:
			return psprintf("type %u", type_oid);
	}
}

static int
arrayNItems(int ndim, const int *dims)
{
	int64		n = 1;

	if (ndim == 0)
		return 0;
	for (int i = 0; i < ndim; i++)
		n *= dims[i];
	if (n > (int64) MaxArraySize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("array size exceeds the maximum allowed (%d)",
						(int) MaxArraySize)));
	return (int) n;
}

/* Size of element d once stored, starting at offset off. */
static Size
elementSize(Datum d, Size off, int16 elmlen, char elmalign)
{
	Size		start = att_align_nominal(off, elmalign);

	return att_addlength_datum(start, elmlen, d) - off;
}

static ArrayType *
buildArray(Datum *elems, bool *nulls, int nelems, int ndim, int *dims,
		   Oid elemtype, int16 elmlen, bool elmbyval, char elmalign)
{
	bool		hasnulls = false;
	Size		datasize = 0;
	Size		dataoffset;
	Size		nbytes;
	ArrayType  *result;
	char	   *p;
	bits8	   *bitmap;

	if (arrayNItems(ndim, dims) != nelems)
		elog(ERROR, "array dimensions do not match %d elements", nelems);
	for (int i = 0; i < nelems; i++)
	{
		if (nulls && nulls[i])
			hasnulls = true;
		else
			datasize += elementSize(elems[i], datasize, elmlen, elmalign);
	}
	dataoffset = hasnulls ? ARR_OVERHEAD_WITHNULLS(ndim, nelems) : 0;
	nbytes = (hasnulls ? dataoffset : ARR_OVERHEAD_NONULLS(ndim)) + datasize;

	result = palloc0(nbytes);
	SET_VARSIZE(result, nbytes);
	result->ndim = ndim;
	result->dataoffset = dataoffset;
	result->elemtype = elemtype;
	for (int i = 0; i < ndim; i++)
	{
		ARR_DIMS(result)[i] = dims[i];
		ARR_LBOUND(result)[i] = 1;
	}

	p = ARR_DATA_PTR(result);
	bitmap = ARR_NULLBITMAP(result);
	for (int i = 0; i < nelems; i++)
	{
		if (nulls && nulls[i])
			continue;
		if (bitmap)
			bitmap[i / 8] |= 1 << (i % 8);
		p = (char *) att_align_nominal(p, elmalign);
		if (elmbyval)
			store_att_byval(p, elems[i], elmlen);
		else
			memcpy(p, DatumGetPointer(elems[i]),
				   att_addlength_datum(0, elmlen, elems[i]));
		p = att_addlength_datum(p, elmlen, elems[i]);
	}
	return result;
}

ArrayType *
StubBuildArray(Datum *elems, bool *nulls, int nelems, int ndim, int *dims,
			   Oid elemtype)
{
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;

	get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
	return buildArray(elems, nulls, nelems, ndim, dims, elemtype,
					  elmlen, elmbyval, elmalign);
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen,
				bool elmbyval, char elmalign)
{
	int			dims[1] = {nelems};

	return buildArray(elems, NULL, nelems, nelems > 0 ? 1 : 0, dims,
					  elmtype, elmlen, elmbyval, elmalign);
}

bool
array_contains_nulls(ArrayType *array)
{
	int			n = arrayNItems(ARR_NDIM(array), ARR_DIMS(array));
	bits8	   *bitmap = ARR_NULLBITMAP(array);

	if (bitmap == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if ((bitmap[i / 8] & (1 << (i % 8))) == 0)
			return true;
	return false;
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp, int *nelemsp)
{
	int			n = arrayNItems(ARR_NDIM(array), ARR_DIMS(array));
	bits8	   *bitmap = ARR_NULLBITMAP(array);
	char	   *p = ARR_DATA_PTR(array);

	if (ARR_ELEMTYPE(array) != elmtype)
		elog(ERROR, "array of type %u deconstructed as %u",
			 ARR_ELEMTYPE(array), elmtype);
	*elemsp = palloc(sizeof(Datum) * n);
	*nullsp = nullsp ? palloc0(sizeof(bool) * n) : NULL;
	*nelemsp = n;
	for (int i = 0; i < n; i++)
	{
		if (bitmap && (bitmap[i / 8] & (1 << (i % 8))) == 0)
		{
			if (nullsp == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("null array element not allowed in this context")));
			(*elemsp)[i] = (Datum) 0;
			(*nullsp)[i] = true;
			continue;
		}
		p = (char *) att_align_nominal(p, elmalign);
		(*elemsp)[i] = fetch_att(p, elmbyval, elmlen);
		p = att_addlength_pointer(p, elmlen, p);
	}
}

/* As the server's: a 1-D cstring[] of integers, for typmod input. */
int32 *
ArrayGetIntegerTypmods(ArrayType *arr, int *n)
{
	int32	   *result;
	Datum	   *elems;
	bool	   *nulls;

	if (ARR_ELEMTYPE(arr) != CSTRINGOID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_ELEMENT_ERROR),
				 errmsg("typmod array must be type cstring[]")));
	if (ARR_NDIM(arr) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("typmod array must be one-dimensional")));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("typmod array must not contain nulls")));
	deconstruct_array(arr, CSTRINGOID, -2, false, TYPALIGN_CHAR,
					  &elems, &nulls, n);
	result = palloc(sizeof(int32) * *n);
	for (int i = 0; i < *n; i++)
		result[i] = pg_strtoint32(DatumGetCString(elems[i]));
	pfree(elems);
	pfree(nulls);
	return result;
}

/* As the server's: optional spaces and sign, decimal digits, spaces. */
int32
pg_strtoint32(const char *s)
{
	const char *ptr = s;
	int64		acc = 0;
	bool		neg = false;
	bool		digits = false;

	while (isspace((unsigned char) *ptr))
		ptr++;
	if (*ptr == '-' || *ptr == '+')
		neg = (*ptr++ == '-');
	while (isdigit((unsigned char) *ptr))
	{
		acc = acc * 10 + (*ptr++ - '0');
		digits = true;
		if (acc > (int64) PG_INT32_MAX + 1)
			goto out_of_range;
	}
	if (!digits)
		goto invalid_syntax;
	while (isspace((unsigned char) *ptr))
		ptr++;
	if (*ptr != '\0')
		goto invalid_syntax;
	if (neg)
		acc = -acc;
	if (acc > PG_INT32_MAX || acc < PG_INT32_MIN)
		goto out_of_range;
	return (int32) acc;

out_of_range:
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value \"%s\" is out of range for type %s", s, "integer")));
invalid_syntax:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", "integer", s)));
	return 0;
}
