/*-------------------------------------------------------------------------
 *
 * hnsw_init.h
 *	  Load-time hook of the hnsw access method, called from _PG_init.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnsw_init.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_HNSW_INIT_H
#define VECTOR_HNSW_INIT_H

/* Defines the GUCs and the reloption kind of the access method. */
extern void HnswInit(void);

#endif
