/*-------------------------------------------------------------------------
 *
 * ivf.h
 *	  Private structs and prototypes of the ivfflat access method.
 *
 * The access method knows nothing about the indexed type.  An opclass gives:
 *
 *	FUNCTION 1	distance (type, type) -> float8, smaller is nearer
 *	FUNCTION 2	norm (type) -> float8 (optional); its presence makes k-means
 *				spherical: centers are normalised, lists are chosen by
 *				inner product
 *	FUNCTION 3	normalize (type) -> type (optional); values are normalised
 *				before they are stored or compared (cosine)
 *	FUNCTION 4	support (internal) -> internal: a pointer to IvfTypeOps,
 *				the float conversions k-means needs
 *
 * See src/ivf/README.
 *
 * IDENTIFICATION
 *	  src/ivf/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_IVF_H
#define VECTOR_IVF_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "nodes/execnodes.h"
#include "fmgr.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#include "ivf/ivf_page.h"
#include "type/typesupport.h"

#define IVF_DISTANCE_PROC		1
#define IVF_NORM_PROC			2
#define IVF_NORMALIZE_PROC		3
#define IVF_SUPPORT_PROC		4
#define IVF_NPROCS				4

/* Build phases reported in pg_stat_progress_create_index */
#define PROGRESS_IVF_PHASE_SAMPLE	2
#define PROGRESS_IVF_PHASE_KMEANS	3
#define PROGRESS_IVF_PHASE_ASSIGN	4
#define PROGRESS_IVF_PHASE_LOAD		5

/* ivfflat.iterative_scan */
typedef enum IvfIterativeScanMode
{
	IVF_ITERATIVE_SCAN_OFF,
	IVF_ITERATIVE_SCAN_RELAXED
} IvfIterativeScanMode;

/*
 * Float view of a type, returned by the opclass's FUNCTION 4.  The values
 * passed in are detoasted.
 */
typedef struct IvfTypeOps
{
	/* number of dimensions of a value */
	int			(*dims) (Datum value);
	/* write the dims elements of value as floats into out */
	void		(*toFloats) (Datum value, float *out);
	/* a palloc'd value of the type from dims floats */
	Datum		(*fromFloats) (const float *x, int dims);
} IvfTypeOps;

/* reloptions */
typedef struct IvfOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			lists;
} IvfOptions;

/* What the AM needs from the opclass, looked up once per operation. */
typedef struct IvfOpclass
{
	FmgrInfo   *distProc;
	VectorDistanceFn fastDist;	/* direct-call distProc, or NULL */
	FmgrInfo   *normProc;		/* NULL unless spherical */
	FmgrInfo   *normalizeProc;	/* NULL unless values are normalised */
	const IvfTypeOps *typeOps;
	Oid			collation;
	bool		spherical;
} IvfOpclass;

/* A list as scans and inserts see it. */
typedef struct IvfListRef
{
	BlockNumber startPage;
	BlockNumber insertPage;
	BlockNumber listBlkno;		/* where the list tuple is */
	OffsetNumber listOffno;
	double		distance;		/* to the query or value at hand */
} IvfListRef;

/* GUCs (ivf.c) */
extern int	ivf_probes;
extern int	ivf_iterative_scan;
extern int	ivf_max_probes;

/* ivf.c */
extern int	IvfGetLists(Relation index);
extern int	IvfGetDimensions(Relation index);
extern void IvfGetOpclass(Relation index, IvfOpclass *opc);
extern double IvfDistance(const IvfOpclass *opc, Datum a, Datum b);
extern Datum IvfPrepareValue(const IvfOpclass *opc, Datum value, bool *skip);
extern void IvfInitPage(Page page, uint16 type);
extern Buffer IvfNewBuffer(Relation index, ForkNumber forknum);
extern void IvfReadMeta(Relation index, IvfMetaPageData *meta);
extern IvfListRef *IvfReadLists(Relation index, const IvfOpclass *opc,
								Datum value, int *nlists);
extern BlockNumber IvfGetInsertPage(Relation index, const IvfListRef *ref);
extern void IvfCheckValueSize(Relation index, Size valsize);
extern bool IvfFollowLink(Relation index, BlockNumber blkno, BlockNumber next,
						  BlockNumber *nblocks, uint32 *steps);

/* ivfkmeans.c */
#define IVF_ASSIGN_BLOCK		4
extern int	IvfPaddedCenters(int k);
extern void IvfKmeans(const float *samples, int nsamples, int dims,
					  int k, bool spherical, float *centers);
extern void IvfAssignBatch(const float *x, int n, int dims,
						   const float *centersT, const float *cnorms,
						   int k, bool spherical, int *assign,
						   float *scratch);
extern void IvfTransposeCenters(const float *centers, int k, int dims,
								bool spherical, float *centersT,
								float *cnorms);

/* ivfbuild.c */
extern IndexBuildResult *ivfbuild(Relation heap, Relation index,
								  IndexInfo *indexInfo);
extern void ivfbuildempty(Relation index);

/* ivfinsert.c */
extern bool ivfinsert(Relation index, Datum *values, bool *isnull,
					  ItemPointer heap_tid, Relation heap,
					  IndexUniqueCheck checkUnique, bool indexUnchanged,
					  IndexInfo *indexInfo);
extern void IvfUpdateInsertPage(Relation index, const IvfListRef *ref,
								BlockNumber blkno);

/* ivfscan.c */
extern IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
extern void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					  ScanKey orderbys, int norderbys);
extern bool ivfgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ivfendscan(IndexScanDesc scan);

/* ivfvacuum.c */
extern IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info,
											IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback,
											void *callback_state);
extern IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats);

/* ivfvalidate.c */
extern bool ivfvalidate(Oid opclassoid);

/* ivfcost.c */
extern void ivfcostestimate(PlannerInfo *root, IndexPath *path,
							double loop_count, Cost *indexStartupCost,
							Cost *indexTotalCost,
							Selectivity *indexSelectivity,
							double *indexCorrelation, double *indexPages);

#endif							/* VECTOR_IVF_H */
