/*-------------------------------------------------------------------------
 *
 * hnswreach.c
 *	  Make every live element of an hnsw index reachable from the entry
 *	  point.
 *
 * A search descends greedily through the upper layers and then explores
 * the bottom layer only, so a row is found only if bottom-layer links lead
 * to it from where the descent ends; an iterative scan that should return
 * every row needs the bottom layer connected from the entry point.  The
 * neighbour heuristic prunes long links, so clusters are often joined only
 * through upper layers; pruning a full list may drop an element's last
 * in-link; and VACUUM's repair chooses new lists for the neighbours of
 * deleted elements without regard to who else links where, so after heavy
 * deletes whole groups were cut off.
 *
 * This pass walks the bottom layer breadth-first from the entry point (as
 * hnsw_check does) and relinks each live element the walk did not reach
 * (HnswRelinkElement: an in-link from an element the walk reached, found
 * by a bottom-layer search from the entry point), then walks on from it,
 * which reaches the rest of its group without relinking each member.
 * When the element must take a place in a full list, it takes that of an
 * element the walk reached over two links or more; that one may still lose
 * its last in-link if another relink takes its other place, so the walk
 * is repeated until it reaches everything, a few rounds at most, and while
 * each round halves what is left.  See README, Reachability.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswreach.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

/* walks over the whole graph before giving up on what is left */
#define HNSW_REACH_ROUNDS		4

typedef struct ReachState
{
	Relation	index;
	HnswSupport *support;
	BufferAccessStrategy strategy;	/* for the sequential page scan */
	int			m;
	HnswDiskGraph g;			/* reads lists during the walk */
	HnswIdSet	reached;
	HnswIdSet	multi;			/* reached over two links or more */
	HnswId	   *queue;			/* every element reached, in walk order */
	int64		nqueue;
	int64		capqueue;
	ItemPointerData *slots;		/* room for one bottom-layer list */
	HnswId	   *unreached;		/* live elements the walk missed */
	int64		nunreached;
	int64		capunreached;
} ReachState;

static void
reach(ReachState *rs, HnswId id)
{
	if (!HnswIdSetAdd(&rs->reached, id, 0))
	{
		HnswIdSetAdd(&rs->multi, id, 0);
		return;
	}
	if (rs->nqueue == rs->capqueue)
	{
		rs->capqueue *= 2;
		rs->queue = repalloc_huge(rs->queue, sizeof(HnswId) * rs->capqueue);
	}
	rs->queue[rs->nqueue++] = id;
}

/*
 * Walk on from the elements queued but not expanded yet, over bottom-layer
 * links only: a search ends on the bottom layer, and an element reached
 * only by an upper-layer link is found only by the queries whose greedy
 * descent passes there.  Lists are copied under a share lock one element
 * at a time; deleted elements have none.
 */
static void
walk(ReachState *rs, int64 head)
{
	for (; head < rs->nqueue; head++)
	{
		HnswId		id = rs->queue[head];
		Buffer		buf;
		HnswElementTuple tup;
		int			nslots = 0;

		if ((head & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		buf = HnswDiskPin(&rs->g, HnswIdGetBlock(id));
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		tup = HnswDiskElement(&rs->g, buf, id);
		if (tup && !tup->deleted)
		{
			nslots = HNSW_LAYER_SLOTS(rs->m, 0);
			memcpy(rs->slots, tup->slots, sizeof(ItemPointerData) * nslots);
		}
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		for (int i = 0; i < nslots; i++)
			if (ItemPointerIsValid(&rs->slots[i]))
				reach(rs, HnswIdFromTid(&rs->slots[i]));
	}
}

/*
 * Walk from the entry point, then list the live elements not reached, in
 * block order.  Returns how many there are.
 */
static int64
findUnreached(ReachState *rs, HnswMetaPageData *meta)
{
	HnswPageScan ps;
	Buffer		buf;

	HnswIdSetClear(&rs->reached);
	HnswIdSetClear(&rs->multi);
	rs->nqueue = 0;
	rs->nunreached = 0;
	reach(rs, HnswIdFromTid(&meta->entryPoint));
	walk(rs, 0);
	HnswDiskRelease(&rs->g);

	HnswPageScanInit(&ps, rs->index, rs->strategy, BUFFER_LOCK_SHARE);
	while ((buf = HnswPageScanNext(&ps)) != InvalidBuffer)
	{
		Page		page = BufferGetPage(buf);
		BlockNumber blkno = BufferGetBlockNumber(buf);

		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswElementTuple tup = HnswGetElement(page, off);
			ItemPointerData tid;
			HnswId		id;

			if (tup == NULL || !HnswElementIsLive(tup))
				continue;
			ItemPointerSet(&tid, blkno, off);
			id = HnswIdFromTid(&tid);
			if (HnswIdSetGet(&rs->reached, id, NULL))
				continue;
			if (rs->nunreached == rs->capunreached)
			{
				rs->capunreached *= 2;
				rs->unreached = repalloc_huge(rs->unreached,
											  sizeof(HnswId) * rs->capunreached);
			}
			rs->unreached[rs->nunreached++] = id;
		}
		UnlockReleaseBuffer(buf);
	}
	return rs->nunreached;
}

/* Relink the elements findUnreached listed, walking on from each. */
static int64
relinkUnreached(ReachState *rs, HnswMetaPageData *meta, MemoryContext tmpCtx)
{
	int64		nrelinked = 0;

	for (int64 i = 0; i < rs->nunreached; i++)
	{
		HnswId		id = rs->unreached[i];
		MemoryContext oldCtx;
		HnswDiskGraph g;
		int64		head = rs->nqueue;
		bool		linked;

		vacuum_delay_point();
		if (HnswIdSetGet(&rs->reached, id, NULL))
			continue;			/* reached from one relinked earlier */
		oldCtx = MemoryContextSwitchTo(tmpCtx);
		HnswDiskInit(&g, rs->index, rs->support, rs->m);
		linked = HnswRelinkElement(&g, meta, id, &rs->multi);
		HnswDiskRelease(&g);
		MemoryContextSwitchTo(oldCtx);
		MemoryContextReset(tmpCtx);
		if (!linked)
			continue;
		nrelinked++;
		reach(rs, id);
		walk(rs, head);
		HnswDiskRelease(&rs->g);
	}
	return nrelinked;
}

/*
 * Relink the live elements that a walk from the entry point does not
 * reach; returns how many were relinked.
 *
 * Without concurrent, the caller keeps inserts out (a build, or a caller
 * holding HNSW_UPDATE_LOCK in ExclusiveLock mode).  With concurrent, the
 * first walk runs alongside inserts, which hold that lock in ShareLock
 * mode; only if it misses an element (perhaps one being inserted) is the
 * lock taken in ExclusiveLock mode and the walk repeated, so that a VACUUM
 * of a connected graph does not stop inserts.
 */
int64
HnswRestoreReachability(Relation index, HnswSupport *support,
						BufferAccessStrategy strategy, bool concurrent)
{
	MemoryContext ctx;
	MemoryContext oldCtx;
	ReachState	rs;
	HnswMetaPageData meta;
	int64		nrelinked = 0;
	int64		left = 0;

	meta = HnswReadMeta(index);
	if (!ItemPointerIsValid(&meta.entryPoint))
		return 0;

	ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw reachability",
								ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(ctx);
	memset(&rs, 0, sizeof(rs));
	rs.index = index;
	rs.support = support;
	rs.strategy = strategy;
	rs.m = meta.m;
	HnswDiskInit(&rs.g, index, support, meta.m);
	HnswIdSetInit(&rs.reached, 0);
	HnswIdSetInit(&rs.multi, 0);
	rs.capqueue = 1024;
	rs.queue = palloc(sizeof(HnswId) * rs.capqueue);
	rs.capunreached = 64;
	rs.unreached = palloc(sizeof(HnswId) * rs.capunreached);
	rs.slots = palloc(sizeof(ItemPointerData) * HNSW_LAYER_SLOTS(meta.m, 0));

	if (!concurrent || findUnreached(&rs, &meta) > 0)
	{
		MemoryContext tmpCtx = AllocSetContextCreate(ctx, "hnsw relink",
													 ALLOCSET_DEFAULT_SIZES);

		if (concurrent)
			LockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
		for (int round = 0;; round++)
		{
			int64		before = left;

			/* an insert may have moved the entry point meanwhile */
			meta = HnswReadMeta(index);
			left = findUnreached(&rs, &meta);
			/*
			 * Stop when a round gained little: with inner product on values
			 * that are not normalised, searches lead to the same few
			 * elements and most relinks find no place (README, Open issues).
			 */
			if (left == 0 || round == HNSW_REACH_ROUNDS ||
				(round > 0 && left > before / 2))
				break;
			nrelinked += relinkUnreached(&rs, &meta, tmpCtx);
		}
		if (concurrent)
			UnlockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
	}

	if (left > 0)
		ereport(LOG,
				(errmsg("hnsw index \"%s\" still has " INT64_FORMAT " elements unreachable from its entry point after relinking " INT64_FORMAT,
						RelationGetRelationName(index), left, nrelinked),
				 errhint("REINDEX the index if searches miss rows.")));
	else if (nrelinked > 0)
		ereport(DEBUG1,
				(errmsg_internal("hnsw index \"%s\": relinked " INT64_FORMAT " elements unreachable from the entry point",
								 RelationGetRelationName(index), nrelinked)));
	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(ctx);
	return nrelinked;
}
