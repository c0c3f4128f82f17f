/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  Module magic and load-time initialisation of the vector extension.
 *
 * _PG_init picks the SIMD distance kernels for this CPU and lets each access
 * method define its GUCs and reloption kind.  Nothing else lives here.
 *
 * IDENTIFICATION
 *	  src/vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "distance/distance.h"
#include "hnsw/hnsw_init.h"
#include "ivf/ivf_init.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	VectorKernelsInit();
	HnswInit();
	IvfInit();
}
