/*-------------------------------------------------------------------------
 *
 * ivf.c
 *	  Handler, reloptions, GUCs and shared page helpers of ivfflat.
 *
 * This file owns the IndexAmRoutine, the "lists" reloption, the ivfflat.*
 * GUCs, the float view of the vector type (FUNCTION 4 of its opclasses), and
 * the helpers every operation uses to read the metapage and the list pages.
 * The format is described in src/ivf/README.
 *
 * IDENTIFICATION
 *	  src/ivf/ivf.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "compat.h"
#include "ivf/ivf.h"
#include "ivf/ivf_init.h"
#include "type/vector.h"

int			ivf_probes = 1;
int			ivf_iterative_scan = IVF_ITERATIVE_SCAN_OFF;
int			ivf_max_probes = IVF_MAX_LISTS;

static relopt_kind ivf_relopt_kind;

static const struct config_enum_entry ivf_iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_SCAN_RELAXED, false},
	{NULL, 0, false}
};

/*
 * Defines the reloption kind and the GUCs.  Called once from _PG_init.
 */
void
IvfInit(void)
{
	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS,
					  AccessExclusiveLock);

	DefineCustomIntVariable("ivfflat.probes", "Sets the number of lists to probe",
							"Valid range is 1..lists.", &ivf_probes,
							1, 1, IVF_MAX_LISTS, PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("ivfflat.iterative_scan", "Sets the mode for iterative scans",
							 NULL, &ivf_iterative_scan, IVF_ITERATIVE_SCAN_OFF,
							 ivf_iterative_scan_options, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("ivfflat.max_probes", "Sets the max number of probes for iterative scans",
							NULL, &ivf_max_probes,
							IVF_MAX_LISTS, 1, IVF_MAX_LISTS, PGC_USERSET, 0,
							NULL, NULL, NULL);
	VectorReserveGUCPrefix("ivfflat");
}

static bytea *
ivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

static char *
ivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case PROGRESS_IVF_PHASE_SAMPLE:
			return "sampling table";
		case PROGRESS_IVF_PHASE_KMEANS:
			return "performing k-means";
		case PROGRESS_IVF_PHASE_ASSIGN:
			return "assigning tuples";
		case PROGRESS_IVF_PHASE_LOAD:
			return "loading tuples";
		default:
			return NULL;
	}
}

PG_FUNCTION_INFO_V1(ivfflathandler);
Datum
ivfflathandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = IVF_NPROCS;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = ivfbuild;
	amroutine->ambuildempty = ivfbuildempty;
	amroutine->aminsert = ivfinsert;
	amroutine->ambulkdelete = ivfbulkdelete;
	amroutine->amvacuumcleanup = ivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfcostestimate;
	amroutine->amoptions = ivfoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfbuildphasename;
	amroutine->amvalidate = ivfvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfbeginscan;
	amroutine->amrescan = ivfrescan;
	amroutine->amgettuple = ivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*
 * Float view of the vector type
 */
static int
vectorDims(Datum value)
{
	return ((Vector *) DatumGetPointer(value))->dim;
}

static void
vectorToFloats(Datum value, float *out)
{
	Vector	   *v = (Vector *) DatumGetPointer(value);

	memcpy(out, v->x, sizeof(float) * v->dim);
}

static Datum
vectorFromFloats(const float *x, int dims)
{
	Vector	   *v = InitVector(dims);

	memcpy(v->x, x, sizeof(float) * dims);
	return PointerGetDatum(v);
}

static const IvfTypeOps vectorTypeOps = {
	vectorDims, vectorToFloats, vectorFromFloats
};

/* FUNCTION 4 of the vector opclasses */
PG_FUNCTION_INFO_V1(ivf_vector_support);
Datum
ivf_vector_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&vectorTypeOps);
}

/* The lists reloption of an index, or its default. */
int
IvfGetLists(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? opts->lists : IVF_DEFAULT_LISTS;
}

/*
 * Dimensions of the indexed column, from its typmod.  Errors out if the
 * column has none or more than a page can hold.
 */
int
IvfGetDimensions(Relation index)
{
	int			dims = TupleDescAttr(index->rd_att, 0)->atttypmod;

	if (dims < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions")));
	if (dims > IVF_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for ivfflat index",
						IVF_MAX_DIM)));
	return dims;
}

/*
 * Look up the opclass support functions.  FmgrInfos live in the relcache
 * entry's index support cache, so this is cheap after the first call.
 */
void
IvfGetOpclass(Relation index, IvfOpclass *opc)
{
	FmgrInfo   *support;

	opc->distProc = index_getprocinfo(index, 1, IVF_DISTANCE_PROC);
	opc->fastDist = VectorFastDistance(opc->distProc->fn_addr);
	opc->normProc = OidIsValid(index_getprocid(index, 1, IVF_NORM_PROC)) ?
		index_getprocinfo(index, 1, IVF_NORM_PROC) : NULL;
	opc->normalizeProc = OidIsValid(index_getprocid(index, 1, IVF_NORMALIZE_PROC)) ?
		index_getprocinfo(index, 1, IVF_NORMALIZE_PROC) : NULL;
	opc->collation = index->rd_indcollation[0];
	opc->spherical = opc->normProc != NULL;

	if (!OidIsValid(index_getprocid(index, 1, IVF_SUPPORT_PROC)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("type not supported for ivfflat index"),
				 errdetail("The operator class has no support function %d.",
						   IVF_SUPPORT_PROC)));
	support = index_getprocinfo(index, 1, IVF_SUPPORT_PROC);
	opc->typeOps = (const IvfTypeOps *)
		DatumGetPointer(FunctionCall1(support, PointerGetDatum(NULL)));
}

/* FUNCTION 1 on two detoasted values, without fmgr where possible */
double
IvfDistance(const IvfOpclass *opc, Datum a, Datum b)
{
	if (opc->fastDist)
		return opc->fastDist(a, b);
	return DatumGetFloat8(FunctionCall2Coll(opc->distProc, opc->collation,
											a, b));
}

/*
 * The form in which a value is stored and compared: detoasted and, when the
 * opclass normalises (cosine), normalised.  Sets *skip for values that
 * cannot be normalised (zero norm); those are not indexed, since their
 * distance to anything is NaN.  Result may be palloc'd in the current
 * memory context.
 */
Datum
IvfPrepareValue(const IvfOpclass *opc, Datum value, bool *skip)
{
	value = PointerGetDatum(PG_DETOAST_DATUM(value));
	*skip = false;
	if (opc->normalizeProc != NULL)
	{
		if (opc->normProc != NULL)
		{
			double		norm;

			norm = DatumGetFloat8(FunctionCall1Coll(opc->normProc,
													opc->collation, value));
			if (!(norm > 0) || isinf(norm))
			{
				*skip = true;
				return value;
			}
		}
		value = FunctionCall1Coll(opc->normalizeProc, opc->collation, value);
	}
	return value;
}

/* Errors out if a value of valsize bytes cannot be an entry or a center. */
void
IvfCheckValueSize(Relation index, Size valsize)
{
	Size		maxsize = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(IvfPageOpaqueData)) - sizeof(ItemIdData);

	if (IVF_LIST_TUPLE_SIZE(valsize) > maxsize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds maximum %zu for index \"%s\"",
						IVF_LIST_TUPLE_SIZE(valsize), maxsize,
						RelationGetRelationName(index))));
}

/* Initialise an empty page of the given type; the caller WAL-logs it. */
void
IvfInitPage(Page page, uint16 type)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->nextblkno = InvalidBlockNumber;
	opaque->flags = type;
	opaque->page_id = IVF_PAGE_ID;
}

/*
 * Extend the index by one page.  Returns a pinned, exclusively locked
 * buffer; the caller initialises the page and WAL-logs it.
 */
Buffer
IvfNewBuffer(Relation index, ForkNumber forknum)
{
	Buffer		buf;
	bool		needLock = !RELATION_IS_LOCAL(index);

	if (needLock)
		LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, forknum, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needLock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/*
 * Check a chain link (next, read from page blkno) before following it, so a
 * corrupted index errors out instead of reading past the relation or looping
 * forever.  *steps counts the pages read along this chain; the caller zeroes
 * it and *nblocks (a cached relation size, refreshed here when a link points
 * past it, since inserts may have appended pages) at the chain's start.
 * Returns whether next is a page to read.
 */
bool
IvfFollowLink(Relation index, BlockNumber blkno, BlockNumber next,
			  BlockNumber *nblocks, uint32 *steps)
{
	if (!BlockNumberIsValid(next))
		return false;
	if (next >= *nblocks || ++(*steps) > *nblocks)
		*nblocks = RelationGetNumberOfBlocks(index);
	if (next >= *nblocks || next == IVF_METAPAGE_BLKNO)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a corrupted page chain",
						RelationGetRelationName(index)),
				 errdetail("Page %u links to page %u, which is outside the index.",
						   blkno, next),
				 errhint("Rebuild the index with REINDEX.")));
	if (*steps > *nblocks)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a corrupted page chain",
						RelationGetRelationName(index)),
				 errdetail("The chain through page %u is longer than the index.",
						   blkno),
				 errhint("Rebuild the index with REINDEX.")));
	return true;
}

/* Check a metapage; errors out with INDEX_CORRUPTED if it is not ours. */
static void
checkMeta(Relation index, Page page)
{
	IvfMetaPage meta = IvfPageGetMeta(page);

	if (!IvfPageIsType(page, IVF_PAGE_META) || meta->magic != IVF_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an ivfflat index",
						RelationGetRelationName(index))));
	if (meta->version != IVF_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has wrong ivfflat version",
						RelationGetRelationName(index)),
				 errdetail("Metapage has version %u; expected %u.",
						   meta->version, IVF_VERSION),
				 errhint("Rebuild the index with REINDEX.")));
}

/*
 * Copy the metapage into *meta.  Takes and releases a share lock on block 0.
 * The metapage does not change after the build, so a copy stays valid.
 */
void
IvfReadMeta(Relation index, IvfMetaPageData *meta)
{
	Buffer		buf;
	Page		page;

	buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	checkMeta(index, page);
	memcpy(meta, IvfPageGetMeta(page), sizeof(IvfMetaPageData));
	UnlockReleaseBuffer(buf);
}

/*
 * What a backend keeps of an index in rd_amcache: the position and center of
 * every list.  These never change after the build (a rebuild gets a new
 * relfilenode and so a relcache invalidation, which frees rd_amcache), so
 * the cache cannot go stale; the insertPage hints it holds can, and callers
 * that need a fresh hint read it with IvfGetInsertPage.
 */
typedef struct IvfListCache
{
	int			nlists;
	IvfListRef *refs;
	Pointer    *centers;
} IvfListCache;

/*
 * Read every list tuple into a new cache.  Share-locks one page at a time.
 * The cache is one chunk in rd_indexcxt (header, refs, centers), because a
 * relcache flush frees rd_amcache with a single pfree.
 */
static IvfListCache *
loadListCache(Relation index)
{
	IvfMetaPageData meta;
	IvfListRef *refs;
	Pointer    *centers;
	IvfListCache *cache;
	BlockNumber blkno = IVF_FIRST_LIST_BLKNO;
	BlockNumber nblocks = 0;
	uint32		steps = 0;
	Size		total = 0;
	char	   *p;
	int			n = 0;

	IvfReadMeta(index, &meta);
	refs = palloc(sizeof(IvfListRef) * meta.lists);
	centers = palloc(sizeof(Pointer) * meta.lists);
	for (;;)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		OffsetNumber maxoff;
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfPageIsType(page, IVF_PAGE_LIST))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has a corrupted list page %u",
							RelationGetRelationName(index), blkno)));
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			IvfListTuple lt = (IvfListTuple) PageGetItem(page, PageGetItemId(page, off));

			if (n >= meta.lists)
				elog(ERROR, "index \"%s\" has more list tuples than lists",
					 RelationGetRelationName(index));
			refs[n].startPage = lt->startPage;
			refs[n].insertPage = lt->insertPage;
			refs[n].listBlkno = blkno;
			refs[n].listOffno = off;
			refs[n].distance = 0;
			centers[n] = palloc(VARSIZE(lt->center));
			memcpy(centers[n], lt->center, VARSIZE(lt->center));
			total += MAXALIGN(VARSIZE(lt->center));
			n++;
		}
		next = IvfPageGetNext(page);
		UnlockReleaseBuffer(buf);
		if (!IvfFollowLink(index, blkno, next, &nblocks, &steps))
			break;
		blkno = next;
	}
	if (n != meta.lists)
		elog(ERROR, "index \"%s\" has %d list tuples for %u lists",
			 RelationGetRelationName(index), n, meta.lists);

	total += MAXALIGN(sizeof(IvfListCache)) + MAXALIGN(sizeof(IvfListRef) * n) +
		MAXALIGN(sizeof(Pointer) * n);
	p = MemoryContextAllocHuge(index->rd_indexcxt, total);
	cache = (IvfListCache *) p;
	p += MAXALIGN(sizeof(IvfListCache));
	cache->nlists = n;
	cache->refs = (IvfListRef *) p;
	memcpy(cache->refs, refs, sizeof(IvfListRef) * n);
	p += MAXALIGN(sizeof(IvfListRef) * n);
	cache->centers = (Pointer *) p;
	p += MAXALIGN(sizeof(Pointer) * n);
	for (int l = 0; l < n; l++)
	{
		cache->centers[l] = p;
		memcpy(p, centers[l], VARSIZE(centers[l]));
		p += MAXALIGN(VARSIZE(centers[l]));
		pfree(centers[l]);
	}
	pfree(refs);
	pfree(centers);
	return cache;
}

/*
 * Every list, with (when value is not 0) its center's distance to value.
 * Returns a palloc'd array of *nlists refs in list order.  Reads the list
 * pages only the first time in a backend (see IvfListCache); the
 * insertPage hints in the result may be stale.
 */
IvfListRef *
IvfReadLists(Relation index, const IvfOpclass *opc, Datum value, int *nlists)
{
	IvfListCache *cache = (IvfListCache *) index->rd_amcache;
	IvfListRef *refs;

	if (cache == NULL)
	{
		cache = loadListCache(index);
		index->rd_amcache = cache;
	}
	refs = palloc(sizeof(IvfListRef) * cache->nlists);
	memcpy(refs, cache->refs, sizeof(IvfListRef) * cache->nlists);
	if (value)
		for (int l = 0; l < cache->nlists; l++)
			refs[l].distance = IvfDistance(opc, value,
										   PointerGetDatum(cache->centers[l]));
	*nlists = cache->nlists;
	return refs;
}

/* The list's current insertPage hint; share-locks its list page. */
BlockNumber
IvfGetInsertPage(Relation index, const IvfListRef *ref)
{
	Buffer		buf = ReadBuffer(index, ref->listBlkno);
	Page		page;
	BlockNumber blkno;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	blkno = ((IvfListTuple) PageGetItem(page, PageGetItemId(page, ref->listOffno)))->insertPage;
	UnlockReleaseBuffer(buf);
	return blkno;
}
