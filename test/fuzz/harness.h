/*-------------------------------------------------------------------------
 *
 * harness.h
 *	  One libFuzzer harness template for the I/O functions of every type.
 *
 * A harness is one line naming the type and the kind of input:
 *
 *		FUZZ_TARGET(vector, TextInput)		vector_in   (then out, in, send, recv)
 *		FUZZ_TARGET(vector, BinaryInput)	vector_recv (then send, recv, out, in)
 *		FUZZ_TARGET(vector, TypmodInput)	vector_typmod_in
 *
 * The type must have functions <type>_in, _out, _recv, _send and
 * _typmod_in.  How the fuzz bytes become arguments is described in
 * harness.c and README.md.
 *
 * IDENTIFICATION
 *	  test/fuzz/harness.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_FUZZ_HARNESS_H
#define VECTOR_FUZZ_HARNESS_H

#include "postgres.h"

#include <stdint.h>

#include "fmgr.h"

typedef struct FuzzType
{
	const char *name;
	PGFunction	in;
	PGFunction	out;
	PGFunction	recv;
	PGFunction	send;
	PGFunction	typmod_in;
} FuzzType;

typedef void (*FuzzInputKind) (const FuzzType *type, const uint8_t *data,
							   size_t size);

extern void FuzzTextInput(const FuzzType *type, const uint8_t *data,
						  size_t size);
extern void FuzzBinaryInput(const FuzzType *type, const uint8_t *data,
							size_t size);
extern void FuzzTypmodInput(const FuzzType *type, const uint8_t *data,
							size_t size);

/* Run one input: an ERROR is a normal outcome, anything else aborts. */
extern int	FuzzRun(FuzzInputKind kind, const FuzzType *type,
					const uint8_t *data, size_t size);

/* Call fn with nargs arguments, as the executor would (never NULL args). */
extern Datum FuzzCall(PGFunction fn, int nargs, Datum *args);

/* Abort with a message: the fuzzer records the input as a crash. */
extern void FuzzFinding(const char *fmt,...) pg_attribute_printf(1, 2)
			pg_attribute_noreturn();

/* Abort unless out -> in and send -> recv reproduce value exactly. */
extern void FuzzCheckRoundTrip(const FuzzType *type, Datum value,
							   int32 typmod);

/* Typmod from a header byte, as described in harness.c. */
extern int32 FuzzTakeTypmod(const uint8_t **data, size_t *size);

/* Declares the type's I/O functions and a FuzzType fuzz_type for them. */
#define FUZZ_DECLARE_TYPE(typ) \
	extern Datum typ##_in(PG_FUNCTION_ARGS); \
	extern Datum typ##_out(PG_FUNCTION_ARGS); \
	extern Datum typ##_recv(PG_FUNCTION_ARGS); \
	extern Datum typ##_send(PG_FUNCTION_ARGS); \
	extern Datum typ##_typmod_in(PG_FUNCTION_ARGS); \
	static const FuzzType fuzz_type = { \
		#typ, typ##_in, typ##_out, typ##_recv, typ##_send, typ##_typmod_in \
	}

/*
 * The libFuzzer entry point, running Fuzz<kind>(&fuzz_type, ...): one of
 * the kinds above, or a static function of the harness file.
 */
#define FUZZ_ENTRY(kind) \
	extern int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int \
	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		return FuzzRun(Fuzz##kind, &fuzz_type, data, size); \
	}

#define FUZZ_TARGET(typ, kind) \
	FUZZ_DECLARE_TYPE(typ); \
	FUZZ_ENTRY(kind)

#endif							/* VECTOR_FUZZ_HARNESS_H */
