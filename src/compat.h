/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every PostgreSQL version difference the extension cares about.
 *
 * PG_VERSION_NUM tests live here and nowhere else, so the rest of the code
 * reads as if written for one server version.
 *
 * IDENTIFICATION
 *	  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_COMPAT_H
#define VECTOR_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "vector requires PostgreSQL 15 or later"
#endif

/*
 * Soft errors for input functions.  PostgreSQL 16 added errsave() so that
 * pg_input_is_valid() can test input without an error; on 15 it is a plain
 * ereport(ERROR).
 */
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#define vector_errsave(context, ...) errsave(context, __VA_ARGS__)
#else
#define vector_errsave(context, ...) ereport(ERROR, __VA_ARGS__)
#endif

/* MarkGUCPrefixReserved() replaced EmitWarningsOnPlaceholders() in 15. */
#define VectorReserveGUCPrefix(prefix) MarkGUCPrefixReserved(prefix)

#endif							/* VECTOR_COMPAT_H */
