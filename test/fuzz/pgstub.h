/*-------------------------------------------------------------------------
 *
 * pgstub.h
 *	  The "mini backend" the fuzz harnesses link instead of a server.
 *
 * pgstub.c defines the few backend symbols that the files in src/type use (palloc
 * and friends, ereport, StringInfo, pqformat, arrays, detoasting) over
 * plain malloc, so the real input functions run in a libFuzzer process
 * with AddressSanitizer seeing every allocation exactly.  This header
 * declares what the harnesses need on top: the per-input arena and the
 * last error, and helpers to build test arguments.
 *
 * IDENTIFICATION
 *	  test/fuzz/pgstub.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_FUZZ_PGSTUB_H
#define VECTOR_FUZZ_PGSTUB_H

#include "postgres.h"

#include "utils/array.h"

/* Free every palloc'd chunk still alive; called after each input. */
extern void StubArenaReset(void);

/* Number of chunks alive in the arena, for the harnesses' sanity checks. */
extern int	StubArenaCount(void);

/* The SQLSTATE and primary message of the last ERROR (valid in PG_CATCH). */
extern int	StubLastErrorCode(void);
extern const char *StubLastErrorMessage(void);

/*
 * Build an array of elemtype (int4, float4, float8 or cstring) with ndim
 * dimensions of extents dims[] (product = nelems), NULLs where nulls[i].
 * Result is palloc'd in the arena.
 */
extern ArrayType *StubBuildArray(Datum *elems, bool *nulls, int nelems,
								 int ndim, int *dims, Oid elemtype);

#endif							/* VECTOR_FUZZ_PGSTUB_H */
