/*-------------------------------------------------------------------------
 *
 * buildworkers.h
 *	  How many parallel workers an index build of the extension asks for.
 *
 * IDENTIFICATION
 *	  src/buildworkers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_BUILDWORKERS_H
#define VECTOR_BUILDWORKERS_H

#include "utils/relcache.h"

extern int	VectorBuildWorkers(Relation heap, Relation index);

#endif							/* VECTOR_BUILDWORKERS_H */
