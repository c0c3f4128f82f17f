/*-------------------------------------------------------------------------
 *
 * ivf_init.h
 *	  Load-time hook of the ivf access method, called from _PG_init.
 *
 * IDENTIFICATION
 *	  src/ivf/ivf_init.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_IVF_INIT_H
#define VECTOR_IVF_INIT_H

/* Defines the GUCs and the reloption kind of the access method. */
extern void IvfInit(void);

#endif
