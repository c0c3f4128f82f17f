/*-------------------------------------------------------------------------
 *
 * ivfinsert.c
 *	  aminsert of ivfflat: add a value to the list of its nearest center.
 *
 * The centers come from the backend's list cache (IvfReadLists) to pick the
 * nearest; the list's insertPage hint is read fresh from its list page.  The entry goes on the first page with room,
 * starting at the list's insertPage hint and following the chain; when the
 * last page is full a page is appended.  Every page change is one generic
 * WAL record.  See src/ivf/README, "Insert" and "Locking".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf/ivf.h"

/*
 * Move the list's insertPage hint to blkno (inserts and vacuum).  Takes an
 * exclusive lock on the list page only; the caller holds no other buffer
 * lock, so this cannot deadlock with scans.  WAL-logged, though only a hint:
 * a stale hint costs the next insert a walk along the chain, no more.
 */
void
IvfUpdateInsertPage(Relation index, const IvfListRef *ref, BlockNumber blkno)
{
	Buffer		buf;
	Page		page;
	IvfListTuple lt;
	GenericXLogState *state;

	buf = ReadBuffer(index, ref->listBlkno);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	lt = (IvfListTuple) PageGetItem(page, PageGetItemId(page, ref->listOffno));
	if (lt->insertPage != blkno)
	{
		state = GenericXLogStart(index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		lt = (IvfListTuple) PageGetItem(page, PageGetItemId(page, ref->listOffno));
		lt->insertPage = blkno;
		GenericXLogFinish(state);
	}
	UnlockReleaseBuffer(buf);
}

/*
 * Append the last page of a list, holding its exclusive lock in buf, and put
 * the entry there.  One WAL record covers both pages, so a crash never
 * leaves a page that is allocated but unlinked with entries on it.
 */
static BlockNumber
appendPage(Relation index, Buffer buf, IvfEntryTuple et, Size tsize)
{
	Buffer		newbuf = IvfNewBuffer(index, MAIN_FORKNUM);
	BlockNumber newblk = BufferGetBlockNumber(newbuf);
	GenericXLogState *state = GenericXLogStart(index);
	Page		page = GenericXLogRegisterBuffer(state, buf, 0);
	Page		newpage = GenericXLogRegisterBuffer(state, newbuf,
												   GENERIC_XLOG_FULL_IMAGE);

	IvfInitPage(newpage, IVF_PAGE_ENTRY);
	if (PageAddItem(newpage, (Item) et, tsize, InvalidOffsetNumber,
					false, false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add entry to index \"%s\"",
			 RelationGetRelationName(index));
	IvfPageGetNext(page) = newblk;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(newbuf);
	return newblk;
}

/*
 * Put an entry into a list.  Holds at most one entry page lock at a time
 * (two while appending: the old last page and the new one).
 */
static void
insertIntoList(Relation index, const IvfListRef *ref, IvfEntryTuple et,
			   Size tsize)
{
	BlockNumber start = IvfGetInsertPage(index, ref);
	BlockNumber blkno = start;
	BlockNumber nblocks = 0;
	uint32		steps = 0;

	if (!IvfFollowLink(index, ref->listBlkno, blkno, &nblocks, &steps))
		elog(ERROR, "index \"%s\" has a list without entry pages",
			 RelationGetRelationName(index));

	for (;;)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!IvfPageIsType(page, IVF_PAGE_ENTRY))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has a corrupted entry page %u",
							RelationGetRelationName(index), blkno)));
		if (PageGetFreeSpace(page) >= tsize)
		{
			GenericXLogState *state = GenericXLogStart(index);

			page = GenericXLogRegisterBuffer(state, buf, 0);
			if (PageAddItem(page, (Item) et, tsize, InvalidOffsetNumber,
							false, false) == InvalidOffsetNumber)
				elog(ERROR, "failed to add entry to index \"%s\"",
					 RelationGetRelationName(index));
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			break;
		}
		next = IvfPageGetNext(page);
		if (!BlockNumberIsValid(next))
		{
			blkno = appendPage(index, buf, et, tsize);
			UnlockReleaseBuffer(buf);
			break;
		}
		UnlockReleaseBuffer(buf);
		(void) IvfFollowLink(index, blkno, next, &nblocks, &steps);
		blkno = next;
	}
	if (blkno != start)
		IvfUpdateInsertPage(index, ref, blkno);
}

/*
 * aminsert.  NULLs and, under cosine, zero vectors are not indexed.
 */
bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		  IndexInfo *indexInfo)
{
	MemoryContext tmpCtx,
				oldCtx;
	IvfOpclass	opc;
	Datum		value;
	bool		skip;

	if (isnull[0])
		return false;

	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "ivfflat insert temporary context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);
	IvfGetOpclass(index, &opc);
	value = IvfPrepareValue(&opc, values[0], &skip);
	if (!skip)
	{
		IvfListRef *refs;
		int			nlists,
					best = 0;
		Size		vsize = VARSIZE_ANY(DatumGetPointer(value));
		Size		tsize = IVF_ENTRY_TUPLE_SIZE(vsize);
		IvfEntryTuple et;

		IvfCheckValueSize(index, vsize);
		refs = IvfReadLists(index, &opc, value, &nlists);
		for (int l = 1; l < nlists; l++)
			if (refs[l].distance < refs[best].distance)
				best = l;
		et = palloc0(tsize);
		et->tid = *heap_tid;
		memcpy(et->value, DatumGetPointer(value), vsize);
		insertIntoList(index, &refs[best], et, tsize);
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
	return false;
}
