/*-------------------------------------------------------------------------
 *
 * hnswpage.c
 *	  Page, metapage and element-tuple helpers of the hnsw access method.
 *
 * Layout in src/hnsw/README and hnsw_page.h.  Every metapage read checks
 * the page id, magic and version, so an index written by a future format
 * is refused with ERRCODE_INDEX_CORRUPTED rather than misread.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswpage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

/* Initialise an empty page; the caller WAL-logs it. */
void
HnswInitPage(Page page, uint16 flags)
{
	HnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->unused = 0;
	opaque->flags = flags;
	opaque->page_id = HNSW_PAGE_ID;
}

/* Initialise the metapage of an empty index; the caller WAL-logs it. */
void
HnswInitMetaPage(Page page, int m, int efConstruction)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	memset(meta, 0, sizeof(HnswMetaPageData));
	meta->magic = HNSW_MAGIC_NUMBER;
	meta->version = HNSW_VERSION;
	meta->m = m;
	meta->efConstruction = efConstruction;
	meta->entryLevel = -1;
	ItemPointerSetInvalid(&meta->entryPoint);
	meta->insertPage = InvalidBlockNumber;
	((PageHeader) page)->pd_lower =
		((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/* Refuse a metapage that is not ours or of another format version. */
void
HnswCheckMeta(Relation index, Page page)
{
	HnswMetaPage meta = HnswPageGetMeta(page);

	if (!HnswPageIdIsValid(page) || !HnswPageIsMeta(page) ||
		meta->magic != HNSW_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index",
						RelationGetRelationName(index))));
	if (meta->version != HNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an unsupported format version",
						RelationGetRelationName(index)),
				 errdetail("Metapage has version %u; expected %u.",
						   meta->version, HNSW_VERSION),
				 errhint("Rebuild the index with REINDEX.")));
}

/*
 * Copy of the metapage contents, read under a share lock that is released
 * before returning: the entry point may change right after, which every
 * caller tolerates (see README, Locking).
 */
HnswMetaPageData
HnswReadMeta(Relation index)
{
	Buffer		buf;
	Page		page;
	HnswMetaPageData meta;

	buf = HnswReadMetaBuffer(index);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckMeta(index, page);
	meta = *HnswPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	return meta;
}

/*
 * Turn an indexed or query value into what the graph stores: detoasted to a
 * 4-byte header, normalised when the opclass has a normalize function.
 * *indexable is false when the opclass has a norm function and the norm is
 * zero (a zero vector under cosine has no direction; it is not indexed).
 * Result is palloc'd in the current context, or the input if unchanged.
 */
Datum
HnswPrepareValue(HnswSupport *support, Datum value, bool *indexable)
{
	value = PointerGetDatum(PG_DETOAST_DATUM(value));
	*indexable = true;
	if (support->normProc)
	{
		double		norm = DatumGetFloat8(FunctionCall1Coll(support->normProc,
															support->collation,
															value));

		if (norm == 0 || isnan(norm))
		{
			*indexable = false;
			return value;
		}
	}
	if (support->normalizeProc)
		value = FunctionCall1Coll(support->normalizeProc, support->collation,
								  value);
	return PointerGetDatum(PG_DETOAST_DATUM(value));
}

/*
 * Highest level whose element tuple still fits an empty page, capped at
 * HNSW_MAX_LEVEL; -1 if not even level 0 fits.
 */
int
HnswMaxLevelFor(int m, Size valueSize)
{
	int			level;

	for (level = HNSW_MAX_LEVEL; level >= 0; level--)
		if (MAXALIGN(HNSW_ELEMENT_TUPLE_SIZE(m, level, valueSize)) <=
			HNSW_MAX_ELEMENT_SPACE)
			return level;
	return -1;
}

/*
 * HnswMaxLevelFor, or an error if the value cannot be indexed at all.
 */
int
HnswCheckValueSize(int m, Size valueSize)
{
	int			maxLevel = HnswMaxLevelFor(m, valueSize);

	if (maxLevel < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row requires %zu bytes, maximum size is %zu",
						(Size) MAXALIGN(HNSW_ELEMENT_TUPLE_SIZE(m, 0, valueSize)),
						(Size) HNSW_MAX_ELEMENT_SPACE),
				 errdetail("With m = %d, an hnsw element holds a value of at most %zu bytes.",
						   m, (Size) (MAXALIGN_DOWN(HNSW_MAX_ELEMENT_SPACE) -
									  HNSW_VALUE_OFFSET(m, 0))),
				 errhint("Index fewer dimensions, a smaller type (halfvec), or use a smaller m.")));
	return maxLevel;
}

/* Level from a uniform draw r in [0,1): floor(-ln(r) * ml), capped. */
int
HnswRandomLevel(double ml, double r, int maxLevel)
{
	double		l = -log(r > 0 ? r : 1e-300) * ml;

	if (l > maxLevel)
		return maxLevel;
	return (int) l;
}

/*
 * The element tuple at off, or NULL if there is none (a stale id from a
 * concurrent change).  The caller holds a lock on the page, and knows it is
 * an element page: ids come only from neighbour lists and the metapage,
 * which name element pages only, and pages never change type.  Not
 * checking the special space here saves a cache miss per visited element
 * (it lies at the other end of the page).
 */
HnswElementTuple
HnswGetElement(Page page, OffsetNumber off)
{
	ItemId		itemid;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	itemid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(itemid))
		return NULL;
	return (HnswElementTuple) PageGetItem(page, itemid);
}

/*
 * Sequential pass over the element pages that exist when it starts, for
 * vacuum, the reachability pass and NULL-query scans.  Each page comes back
 * pinned and locked in lockmode, through strategy (NULL for the default);
 * the caller releases it.  Pages that are not element pages (a zeroed page
 * left by a crash after extending) are skipped.  Between pages it calls
 * vacuum_delay_point, which outside VACUUM only checks for interrupts.
 */
void
HnswPageScanInit(HnswPageScan *ps, Relation index,
				 BufferAccessStrategy strategy, int lockmode)
{
	ps->index = index;
	ps->strategy = strategy;
	ps->lockmode = lockmode;
	ps->next = HNSW_METAPAGE_BLKNO + 1;
	ps->nblocks = RelationGetNumberOfBlocks(index);
}

/* Next element page, pinned and locked; InvalidBuffer after the last. */
Buffer
HnswPageScanNext(HnswPageScan *ps)
{
	while (ps->next < ps->nblocks)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(ps->index, MAIN_FORKNUM, ps->next++,
								 RBM_NORMAL, ps->strategy);
		LockBuffer(buf, ps->lockmode);
		page = BufferGetPage(buf);
		if (HnswPageIdIsValid(page) && HnswPageIsElement(page))
			return buf;
		UnlockReleaseBuffer(buf);
	}
	return InvalidBuffer;
}
