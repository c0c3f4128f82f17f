/*-------------------------------------------------------------------------
 *
 * ivfvacuum.c
 *	  ambulkdelete and amvacuumcleanup of ivfflat.
 *
 * Bulk delete walks every list's chain of entry pages, one page at a time
 * under an exclusive lock, and removes the entries whose heap TIDs the
 * callback reports dead (one generic WAL record per page that changes).
 * PageIndexMultiDelete compacts the page, so the freed space is contiguous;
 * the list's insertPage hint is then moved back to the first page with room
 * for an entry, and inserts fill those pages before they extend the index.
 * Pages are never unlinked, so a chain only grows and concurrent walkers
 * never follow a link to a recycled page.  See src/ivf/README, "Vacuum".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "ivf/ivf.h"

/*
 * Vacuum one entry page, exclusively locked in buf.  Returns true when the
 * page has room for an entry as large as the ones it holds.
 */
static bool
vacuumPage(Relation index, Buffer buf, IndexBulkDeleteResult *stats,
		   IndexBulkDeleteCallback callback, void *callback_state)
{
	Page		page = BufferGetPage(buf);
	OffsetNumber deletable[MaxOffsetNumber];
	int			ndeletable = 0;
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	Size		entrySize = 0;

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IvfEntryTuple et = (IvfEntryTuple) PageGetItem(page, iid);

		entrySize = Max(entrySize, ItemIdGetLength(iid));
		if (callback(&et->tid, callback_state))
			deletable[ndeletable++] = off;
		else
			stats->num_index_tuples += 1;
	}
	if (ndeletable > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);

		PageIndexMultiDelete(GenericXLogRegisterBuffer(state, buf, 0),
							 deletable, ndeletable);
		/* the registered copy is freed by GenericXLogFinish */
		GenericXLogFinish(state);
		page = BufferGetPage(buf);
		stats->tuples_removed += ndeletable;
	}
	return PageGetMaxOffsetNumber(page) == 0 ||
		PageGetFreeSpace(page) >= entrySize;
}

/*
 * ambulkdelete.  Holds one buffer lock at a time; takes the list page lock
 * only to move a hint, after releasing the entry page.
 */
IndexBulkDeleteResult *
ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			  IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	IvfListRef *lists;
	int			nlists;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	lists = IvfReadLists(index, NULL, (Datum) 0, &nlists);
	for (int l = 0; l < nlists; l++)
	{
		BlockNumber blkno = lists[l].startPage;
		BlockNumber firstFree = InvalidBlockNumber;
		BlockNumber nblocks = 0;
		uint32		steps = 0;
		BlockNumber next;

		if (!IvfFollowLink(index, lists[l].listBlkno, blkno, &nblocks, &steps))
			continue;
		for (;;)
		{
			Buffer		buf;
			bool		hasRoom;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
									 info->strategy);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			if (!IvfPageIsType(BufferGetPage(buf), IVF_PAGE_ENTRY))
				ereport(ERROR,
						(errcode(ERRCODE_INDEX_CORRUPTED),
						 errmsg("index \"%s\" has a corrupted entry page %u",
								RelationGetRelationName(index), blkno)));
			hasRoom = vacuumPage(index, buf, stats, callback, callback_state);
			if (hasRoom && !BlockNumberIsValid(firstFree))
				firstFree = blkno;
			next = IvfPageGetNext(BufferGetPage(buf));
			UnlockReleaseBuffer(buf);
			if (!IvfFollowLink(index, blkno, next, &nblocks, &steps))
				break;
			blkno = next;
		}
		if (BlockNumberIsValid(firstFree) && firstFree != lists[l].insertPage)
			IvfUpdateInsertPage(index, &lists[l], firstFree);
	}
	pfree(lists);
	return stats;
}

IndexBulkDeleteResult *
ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no bulk delete ran: report the heap's count as an estimate */
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = info->estimated_count;
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
