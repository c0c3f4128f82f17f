/*-------------------------------------------------------------------------
 *
 * ivfcheck.c
 *	  ivfflat_check(regclass): verify every page of an ivfflat index.
 *
 * Walks the metapage, the chain of list pages and every list's chain of
 * entry pages, and returns one row (blkno, problem) per problem found: wrong
 * page ids, types or format versions, chains that loop, share pages or point
 * outside the relation, centers and entries of the wrong dimension, entries
 * whose heap TID cannot exist in the table.  A healthy index returns no
 * rows.  It only reads: an AccessShareLock on the index and its table, and
 * a share lock on one page at a time (an index page, or after releasing it
 * the heap pages its entries point to), so it runs beside
 * inserts, scans and vacuum, and on a hot standby.  A concurrent insert may
 * add entries the walk does not see; that hides nothing that was already
 * corrupted.
 *
 * See src/ivf/README, "Verification".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "ivf/ivf.h"

typedef struct IvfCheckState
{
	Relation	index;
	Relation	heap;
	const IvfTypeOps *typeOps;
	BlockNumber nblocks;		/* index size when the check started */
	BlockNumber heapBlocks;
	uint32		dims;
	bool	   *visited;		/* per index block: reached by some chain */
	ItemPointerData tids[MaxOffsetNumber];	/* TIDs of one entry page */
	OffsetNumber offs[MaxOffsetNumber];
	ReturnSetInfo *rsinfo;
	int64		nproblems;
} IvfCheckState;

PG_FUNCTION_INFO_V1(ivfflat_check);

static void
report(IvfCheckState *st, BlockNumber blkno, const char *fmt,...)
	pg_attribute_printf(3, 4);

/* Add one (blkno, problem) row to the result. */
static void
report(IvfCheckState *st, BlockNumber blkno, const char *fmt,...)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};
	StringInfoData buf;
	va_list		args;
	int			needed;

	initStringInfo(&buf);
	for (;;)
	{
		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	values[0] = Int64GetDatum((int64) blkno);
	nulls[0] = !BlockNumberIsValid(blkno);
	values[1] = CStringGetTextDatum(buf.data);
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc,
						 values, nulls);
	st->nproblems++;
	pfree(buf.data);
}

/*
 * Check that a value stored in an item of itemsz bytes at offset "start" of
 * the item is a whole varlena of the index's dimension.
 */
static void
checkValue(IvfCheckState *st, BlockNumber blkno, OffsetNumber off,
		   const char *what, Item item, Size itemsz, Size start)
{
	Pointer		value = (Pointer) item + start;
	int			dims;

	if (itemsz < start + VARHDRSZ || VARATT_IS_EXTENDED(value) ||
		VARSIZE(value) > itemsz - start)
	{
		report(st, blkno, "%s at offset %u has a malformed value", what, off);
		return;
	}
	dims = st->typeOps->dims(PointerGetDatum(value));
	if (dims != (int) st->dims)
		report(st, blkno, "%s at offset %u has %d dimensions; expected %u",
			   what, off, dims, st->dims);
}

/* Does the heap TID point at a line pointer that can exist? */
static void
checkHeapTid(IvfCheckState *st, BlockNumber blkno, OffsetNumber off,
			 ItemPointer tid)
{
	BlockNumber hblk = ItemPointerGetBlockNumberNoCheck(tid);
	OffsetNumber hoff = ItemPointerGetOffsetNumberNoCheck(tid);
	Buffer		buf;
	OffsetNumber maxoff;

	/* the table may have grown since the check started */
	if (hblk >= st->heapBlocks)
		st->heapBlocks = RelationGetNumberOfBlocks(st->heap);
	if (hblk >= st->heapBlocks)
	{
		report(st, blkno, "entry at offset %u points to heap block %u; the table has %u blocks",
			   off, hblk, st->heapBlocks);
		return;
	}
	buf = ReadBuffer(st->heap, hblk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	maxoff = PageGetMaxOffsetNumber(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	if (hoff < FirstOffsetNumber || hoff > maxoff)
		report(st, blkno, "entry at offset %u points to heap tuple (%u,%u); that heap page has %u line pointers",
			   off, hblk, hoff, maxoff);
}

/*
 * Follow a chain link out of blkno.  Returns whether next may be read:
 * inside the relation and not yet visited (a revisit means a loop or two
 * chains sharing a page).
 */
static bool
followLink(IvfCheckState *st, BlockNumber blkno, BlockNumber next)
{
	if (!BlockNumberIsValid(next))
		return false;
	/* an insert may have appended pages since the check started */
	if (next >= st->nblocks && next < RelationGetNumberOfBlocks(st->index))
	{
		BlockNumber old = st->nblocks;

		st->nblocks = RelationGetNumberOfBlocks(st->index);
		st->visited = repalloc(st->visited, sizeof(bool) * st->nblocks);
		memset(st->visited + old, 0, sizeof(bool) * (st->nblocks - old));
	}
	if (next >= st->nblocks || next == IVF_METAPAGE_BLKNO)
	{
		report(st, blkno, "next page %u is outside the index", next);
		return false;
	}
	if (st->visited[next])
	{
		report(st, blkno, "next page %u was already visited: the chain loops or shares pages",
			   next);
		return false;
	}
	return true;
}

/* Walk one list's entry pages from startPage. */
static void
checkEntryChain(IvfCheckState *st, int list, BlockNumber start)
{
	BlockNumber blkno = start;
	BlockNumber prev = InvalidBlockNumber;

	if (!BlockNumberIsValid(start) || start >= st->nblocks ||
		start == IVF_METAPAGE_BLKNO || st->visited[start])
	{
		report(st, InvalidBlockNumber,
			   "list %d starts at page %u, which is outside the index or already used",
			   list, start);
		return;
	}
	for (;;)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		BlockNumber next;
		int			ntids = 0;

		CHECK_FOR_INTERRUPTS();
		st->visited[blkno] = true;
		buf = ReadBuffer(st->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfPageIsType(page, IVF_PAGE_ENTRY))
		{
			report(st, blkno, "page of list %d is not an ivfflat entry page", list);
			UnlockReleaseBuffer(buf);
			return;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			IvfEntryTuple et = (IvfEntryTuple) PageGetItem(page, iid);

			if (!ItemIdIsNormal(iid))
				continue;
			checkValue(st, blkno, off, "entry", (Item) et,
					   ItemIdGetLength(iid), offsetof(IvfEntryTupleData, value));
			st->tids[ntids] = et->tid;
			st->offs[ntids++] = off;
		}
		next = IvfPageGetNext(page);
		UnlockReleaseBuffer(buf);

		/* heap pages are locked only after the index page is released */
		for (int i = 0; i < ntids; i++)
			checkHeapTid(st, blkno, st->offs[i], &st->tids[i]);
		prev = blkno;
		if (!followLink(st, prev, next))
			return;
		blkno = next;
	}
}

/*
 * Check the metapage into *meta.  Returns false, having reported why, when
 * nothing past it can be trusted.
 */
static bool
checkMetaPage(IvfCheckState *st, IvfMetaPageData *meta)
{
	Buffer		buf;
	Page		page;
	bool		ok = true;

	if (st->nblocks == 0)
	{
		report(st, IVF_METAPAGE_BLKNO, "index has no metapage");
		return false;
	}
	buf = ReadBuffer(st->index, IVF_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(meta, IvfPageGetMeta(page), sizeof(IvfMetaPageData));
	if (!IvfPageIsType(page, IVF_PAGE_META))
	{
		report(st, IVF_METAPAGE_BLKNO, "page is not an ivfflat metapage (page id or type)");
		ok = false;
	}
	UnlockReleaseBuffer(buf);
	st->visited[IVF_METAPAGE_BLKNO] = true;
	if (ok && meta->magic != IVF_MAGIC_NUMBER)
	{
		report(st, IVF_METAPAGE_BLKNO, "metapage has magic number 0x%08X; expected 0x%08X",
			   meta->magic, IVF_MAGIC_NUMBER);
		ok = false;
	}
	if (ok && meta->version != IVF_VERSION)
	{
		report(st, IVF_METAPAGE_BLKNO, "metapage has format version %u; expected %u",
			   meta->version, IVF_VERSION);
		ok = false;
	}
	if (ok && (meta->lists < IVF_MIN_LISTS || meta->lists > IVF_MAX_LISTS ||
			   meta->dimensions == 0 || meta->dimensions > IVF_MAX_DIM))
	{
		report(st, IVF_METAPAGE_BLKNO, "metapage has %u lists of %u dimensions",
			   meta->lists, meta->dimensions);
		ok = false;
	}
	st->dims = meta->dimensions;
	return ok;
}

/*
 * Walk the list pages; returns a palloc'd array of the lists' start pages
 * and sets *nlists to the number of list tuples found.
 */
static BlockNumber *
checkListPages(IvfCheckState *st, const IvfMetaPageData *meta, int *nlists)
{
	BlockNumber *starts = palloc(sizeof(BlockNumber) * meta->lists);
	BlockNumber blkno = IVF_FIRST_LIST_BLKNO;
	int			n = 0;

	while (blkno < st->nblocks)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		st->visited[blkno] = true;
		buf = ReadBuffer(st->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfPageIsType(page, IVF_PAGE_LIST))
		{
			report(st, blkno, "page is not an ivfflat list page");
			UnlockReleaseBuffer(buf);
			break;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			IvfListTuple lt = (IvfListTuple) PageGetItem(page, iid);

			checkValue(st, blkno, off, "center", (Item) lt,
					   ItemIdGetLength(iid), offsetof(IvfListTupleData, center));
			if (n < (int) meta->lists)
				starts[n] = lt->startPage;
			n++;
		}
		next = IvfPageGetNext(page);
		UnlockReleaseBuffer(buf);
		if (!followLink(st, blkno, next))
			break;
		blkno = next;
	}
	if (n != (int) meta->lists)
		report(st, IVF_METAPAGE_BLKNO, "index has %d list tuples for %u lists",
			   n, meta->lists);
	*nlists = Min(n, (int) meta->lists);
	return starts;
}

static void
checkIndex(IvfCheckState *st)
{
	IvfMetaPageData meta;
	BlockNumber *starts;
	int			nlists;

	if (!checkMetaPage(st, &meta))
		return;
	starts = checkListPages(st, &meta, &nlists);
	for (int l = 0; l < nlists; l++)
		checkEntryChain(st, l, starts[l]);
	pfree(starts);
}

/*
 * ivfflat_check(regclass) RETURNS TABLE (blkno bigint, problem text)
 *
 * Errors out only when the relation is not an ivfflat index; every problem
 * of the index itself is a row.  A row with a NULL blkno concerns a list
 * rather than a page.
 */
Datum
ivfflat_check(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IvfCheckState *st;
	Relation	index;
	IvfOpclass	opc;

	InitMaterializedSRF(fcinfo, 0);
	index = relation_open(relid, AccessShareLock);
	if (index->rd_rel->relkind != RELKIND_INDEX ||
		index->rd_indam == NULL || index->rd_indam->ambuild != ivfbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an ivfflat index",
						RelationGetRelationName(index))));
	if (RELATION_IS_OTHER_TEMP(index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot check temporary indexes of other sessions")));

	/* palloc'd: the TID buffers make the state too big for the stack */
	st = palloc0(sizeof(IvfCheckState));
	st->index = index;
	st->heap = relation_open(index->rd_index->indrelid, AccessShareLock);
	IvfGetOpclass(index, &opc);
	st->typeOps = opc.typeOps;
	st->rsinfo = rsinfo;
	st->nblocks = RelationGetNumberOfBlocks(index);
	st->heapBlocks = RelationGetNumberOfBlocks(st->heap);
	st->visited = palloc0(sizeof(bool) * Max(st->nblocks, 1));

	checkIndex(st);

	pfree(st->visited);
	relation_close(st->heap, AccessShareLock);
	pfree(st);
	relation_close(index, AccessShareLock);
	return (Datum) 0;
}
