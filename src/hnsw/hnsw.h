/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *	  Private declarations of the hnsw index access method.
 *
 * Grouped by the file that defines them.  On-disk structures are in
 * hnsw_page.h; the design is in src/hnsw/README.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_HNSW_H
#define VECTOR_HNSW_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/buf.h"
#include "utils/relcache.h"

#include "hnsw/hnsw_page.h"
#include "type/typesupport.h"

/* support function numbers of an hnsw opclass */
#define HNSW_DISTANCE_PROC		1	/* (type, type) -> float8, required */
#define HNSW_NORM_PROC			2	/* (type) -> float8, optional */
#define HNSW_NORMALIZE_PROC		3	/* (type) -> type, optional */
#define HNSW_NPROC				3

/* reloption limits */
#define HNSW_DEFAULT_M			16
#define HNSW_MIN_M				2
#define HNSW_MAX_M				100
#define HNSW_DEFAULT_EF_CONSTRUCTION	64
#define HNSW_MIN_EF_CONSTRUCTION	4
#define HNSW_MAX_EF_CONSTRUCTION	1000

/* heavyweight page lock taken on the metapage block by writers, see README */
#define HNSW_UPDATE_LOCK		0

/* progress subphases of CREATE INDEX (pg_stat_progress_create_index) */
#define HNSW_PHASE_LOAD			2
#define HNSW_PHASE_WRITE		3

typedef enum HnswIterativeScan
{
	HNSW_ITERATIVE_SCAN_OFF,
	HNSW_ITERATIVE_SCAN_RELAXED,
	HNSW_ITERATIVE_SCAN_STRICT
} HnswIterativeScan;

/* hnsw.c: GUCs */
extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;
extern int	hnsw_upper_cache_mem;

typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;
	int			efConstruction;
} HnswOptions;

/*
 * The opclass's support functions, resolved once per index open.  Values
 * passed to the distance function are detoasted with a 4-byte header.
 */
typedef struct HnswSupport
{
	VectorDistanceFn fastDistance;	/* NULL: go through fmgr */
	FmgrInfo   *distanceProc;
	FmgrInfo   *normProc;		/* NULL when the opclass has none */
	FmgrInfo   *normalizeProc;	/* NULL when the opclass has none */
	Oid			collation;
	/* selection drops c if pruneAlpha * d(c, kept) + pruneSlack < d(c, base) */
	float		pruneAlpha;
	float		pruneSlack;
} HnswSupport;

static inline float
HnswDistance(HnswSupport *support, Datum a, Datum b)
{
	if (support->fastDistance)
		return (float) support->fastDistance(a, b);
	return (float) DatumGetFloat8(FunctionCall2Coll(support->distanceProc,
													support->collation,
													a, b));
}

/* hnsw.c */
extern void HnswInitSupport(Relation index, HnswSupport *support);
extern int	HnswGetM(Relation index);
extern int	HnswGetEfConstruction(Relation index);
extern bytea *hnswoptions(Datum reloptions, bool validate);

/* hnswpage.c: pages, metapage and element tuples */
extern void HnswInitPage(Page page, uint16 flags);
extern void HnswInitMetaPage(Page page, int m, int efConstruction);
extern HnswMetaPageData HnswReadMeta(Relation index);
extern void HnswCheckMeta(Relation index, Page page);
extern Datum HnswPrepareValue(HnswSupport *support, Datum value,
							  bool *indexable);
extern int	HnswMaxLevelFor(int m, Size valueSize);
extern int	HnswCheckValueSize(int m, Size valueSize);
extern int	HnswRandomLevel(double ml, double r, int maxLevel);
extern HnswElementTuple HnswGetElement(Page page, OffsetNumber off);

typedef struct HnswPageScan
{
	Relation	index;
	BufferAccessStrategy strategy;
	int			lockmode;
	BlockNumber next;
	BlockNumber nblocks;		/* index size when the pass started */
} HnswPageScan;

extern void HnswPageScanInit(HnswPageScan *ps, Relation index,
							 BufferAccessStrategy strategy, int lockmode);
extern Buffer HnswPageScanNext(HnswPageScan *ps);

/*
 * hnswsearch.c: graph search over an element accessor, without buffers.
 *
 * An element is named by a 64-bit id: the arena index during an in-memory
 * build, the packed TID on disk.
 */
typedef uint64 HnswId;

#define HnswIdFromTid(tid) \
	(((uint64) ItemPointerGetBlockNumber(tid) << 16) | \
	 ItemPointerGetOffsetNumber(tid))
#define HnswIdGetBlock(id)		((BlockNumber) ((id) >> 16))
#define HnswIdGetOffset(id)		((OffsetNumber) ((id) & 0xFFFF))

typedef struct HnswCand
{
	HnswId		id;
	float		distance;
} HnswCand;

/* how the search reaches elements */
typedef struct HnswGraphOps
{
	/* distance from the query to the element; false if it must be skipped */
	bool		(*distance) (void *arg, HnswId id, float *distance);
	/* neighbours at a layer, into out[] (room for 2*m); returns the count */
	int			(*neighbors) (void *arg, HnswId id, int layer, HnswId *out);
	/* value of an element, for neighbour selection */
	Datum		(*value) (void *arg, HnswId id);
	/*
	 * Distances to n elements at once (n <= 2 * HNSW_MAX_M): the elements
	 * distance() would skip are dropped, ids[] and out[] are compacted to
	 * the rest; returns their count.  One call per expansion lets the
	 * accessor load all of them before it measures the first.
	 */
	int			(*distances) (void *arg, HnswId *ids, float *out, int n);
	/* optional: start loading what neighbors() will read */
	void		(*prefetchList) (void *arg, HnswId id, int layer);
} HnswGraphOps;

/*
 * Set of ids: a stamp array for dense ids, else an open-addressing table
 * (slots != NULL) whose slot is in use when its stamp equals the
 * generation.  Key, stamp and value share a slot, so a probe touches one
 * cache line.
 */
typedef struct HnswIdSlot
{
	HnswId		key;
	uint32		stamp;
	int32		value;
} HnswIdSlot;

/*
 * Page mode of a hash-mode set of element TIDs (HnswIdSetUsePages): one of
 * these per index block, its bits the offsets 1 to 32 in the set when the
 * stamp equals the generation.
 */
typedef struct HnswIdPageBits
{
	uint32		stamp;
	uint32		bits;
} HnswIdPageBits;

#define HNSW_IDSET_PAGE_OFFSETS	32

typedef struct HnswIdSet
{
	uint32	   *stamps;			/* dense: stamps[id] == generation */
	uint32		generation;
	uint64		nstamps;		/* dense only */
	HnswIdSlot *slots;			/* hash mode, NULL in dense mode */
	uint64		capacity;		/* power of two */
	uint64		count;			/* ids in slots */
	HnswIdPageBits *pages;		/* page mode: ids that fit, else in slots */
	BlockNumber npages;			/* blocks pages[] covers, or may cover */
} HnswIdSet;

typedef struct HnswCandHeap
{
	HnswCand   *items;
	int			count;
	int			capacity;
	bool		isMax;			/* max-heap (results) or min-heap */
} HnswCandHeap;

typedef struct HnswSearch
{
	const HnswGraphOps *ops;
	void	   *arg;
	int			m;
	HnswIdSet	visited;
	HnswCandHeap candidates;	/* min-heap of elements to expand */
	HnswCandHeap results;		/* max-heap, at most ef */
	HnswCandHeap discarded;		/* min-heap, for iterative scans */
	bool		keepDiscarded;
	HnswId	   *nbrbuf;			/* room for 2*m ids */
	float	   *distbuf;		/* their distances */
	int64		distanceCount;	/* distances computed, for scan budgets */
} HnswSearch;

extern void HnswIdSetInit(HnswIdSet *set, uint64 dense);
extern void HnswIdSetUsePages(HnswIdSet *set, BlockNumber npages);
extern void HnswIdSetClear(HnswIdSet *set);
extern bool HnswIdSetAdd(HnswIdSet *set, HnswId id, int32 value);
extern bool HnswIdSetGet(HnswIdSet *set, HnswId id, int32 *value);
extern void HnswHeapPush(HnswCandHeap *heap, HnswCand c);
extern HnswCand HnswHeapPop(HnswCandHeap *heap);
extern void HnswSearchInit(HnswSearch *s, const HnswGraphOps *ops, void *arg,
						   int m, uint64 dense);
extern void HnswSearchStart(HnswSearch *s, HnswCand *entries, int n);
extern void HnswSearchLayer(HnswSearch *s, int ef, int layer);
extern int	HnswSearchResults(HnswSearch *s, HnswCand *out);
extern void HnswSearchRestart(HnswSearch *s, int ef);
extern HnswCand HnswGreedyDescend(HnswSearch *s, HnswCand entry,
								  int fromLayer, int toLayer);
extern int	HnswSelectNeighbors(HnswSupport *support, const HnswGraphOps *ops,
								void *arg, HnswCand *cands, int n, int max,
								HnswCand *out);
extern void HnswSortCands(HnswCand *cands, int n);

/* hnswbuild.c */
extern IndexBuildResult *hnswbuild(Relation heap, Relation index,
								   IndexInfo *indexInfo);
extern void hnswbuildempty(Relation index);

/* hnswinsert.c */
extern bool hnswinsert(Relation index, Datum *values, bool *isnull,
					   ItemPointer heap_tid, Relation heap,
					   IndexUniqueCheck checkUnique, bool indexUnchanged,
					   IndexInfo *indexInfo);
extern void HnswInsertValue(Relation index, HnswSupport *support, Datum value,
							ItemPointer heaptid);
extern void HnswSetUnloggedBuild(Relation index);

/* hnswscan.c */
extern IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
extern void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					   ScanKey orderbys, int norderbys);
extern bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void hnswendscan(IndexScanDesc scan);

/*
 * hnswdisk.c: the on-disk element accessor shared by scan, insert and
 * vacuum.  Keeps one buffer pinned between calls.
 */
typedef struct HnswDiskGraph
{
	Relation	index;
	HnswSupport *support;
	int			m;
	Datum		query;
	uint16		valueOffs[HNSW_MAX_LEVEL + 1];	/* HNSW_VALUE_OFFSET by level */
	uint64		tagWords[2];	/* relation and fork, as in a BufferTag */
	Buffer		buf;			/* pinned, unlocked; InvalidBuffer if none */
	BlockNumber nblocks;		/* index size last seen, for bounds checks */
	int32		valueKind;		/* hnswcheck.c: 0 until known, see there */
	int32		valueTypmod;
	int8		peek;			/* peekDistance allowed: 0 until known, 1, -1 */
	bool		peekNegate;		/* with peekKernel: the distance is -kernel */
	VectorF32Kernel peekKernel; /* peeks at vectors call it directly */
	bool		peekDeleted;	/* a scan's: peeks measure deleted elements */
	/* values copied for neighbour selection */
	HnswIdSet	valueMap;
	Datum	   *values;
	int			nvalues;
	int			capvalues;
} HnswDiskGraph;

extern const HnswGraphOps HnswDiskOps;
extern void HnswDiskInit(HnswDiskGraph *g, Relation index,
						 HnswSupport *support, int m);
extern void HnswDiskRelease(HnswDiskGraph *g);
extern Buffer HnswDiskPin(HnswDiskGraph *g, BlockNumber blkno);
extern BlockNumber HnswDiskSize(HnswDiskGraph *g);
extern Buffer HnswReadMetaBuffer(Relation index);
extern Pointer HnswDiskCopyValue(HnswDiskGraph *g, HnswId id,
								 MemoryContext cxt);
extern Datum HnswDiskLoadValue(HnswDiskGraph *g, HnswId id);
extern int	HnswDiskHeapTids(HnswDiskGraph *g, HnswId id, ItemPointer out,
							 float *distance);

/* hnswinsert.c, needs HnswDiskGraph */
extern bool HnswFindNeighbors(HnswDiskGraph *g, HnswMetaPageData *meta,
							  int level, Datum value, ItemPointer heaptid,
							  int ef, HnswCand **sel, int *nsel);
typedef enum HnswLinkMode
{
	HNSW_LINK_APPEND,			/* only into a free slot */
	HNSW_LINK_PRUNE,			/* a free slot, else if the heuristic keeps it */
	HNSW_LINK_FORCE				/* as PRUNE, else evicting a neighbour */
} HnswLinkMode;

extern bool HnswLinkNeighbor(HnswDiskGraph *g, HnswId nid, int layer,
							 HnswId newid, float newDistance,
							 HnswLinkMode mode, HnswIdSet *evictable);
extern bool HnswRelinkElement(HnswDiskGraph *g, HnswMetaPageData *meta,
							  HnswId id, HnswIdSet *evictable);

/* hnswupper.c */
extern int	HnswUpperDescend(Relation index, HnswSupport *support,
							 HnswMetaPageData *meta, Datum query,
							 HnswId *result, int max, int *layer);

/* hnswreach.c */
extern int64 HnswRestoreReachability(Relation index, HnswSupport *support,
									 BufferAccessStrategy strategy,
									 bool concurrent);

/* hnswvacuum.c */
extern IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);

/* hnswcheck.c */
extern void HnswCheckElementPage(HnswDiskGraph *g, BlockNumber blkno,
								 Buffer buf);
extern HnswElementTuple HnswDiskElement(HnswDiskGraph *g, Buffer buf,
										HnswId id);
extern bool HnswDiskCanPeek(HnswDiskGraph *g);
extern bool HnswDiskPeekVector(HnswDiskGraph *g);

/* bytes of a value that a peek compares with the query (see above) */
#define HNSW_PEEK_HEADER		8

/* hnswvalidate.c */
extern bool hnswvalidate(Oid opclassoid);

/* hnswcost.c */
extern void hnswcostestimate(PlannerInfo *root, IndexPath *path,
							 double loop_count, Cost *indexStartupCost,
							 Cost *indexTotalCost,
							 Selectivity *indexSelectivity,
							 double *indexCorrelation, double *indexPages);

#endif							/* VECTOR_HNSW_H */
