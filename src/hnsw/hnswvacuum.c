/*-------------------------------------------------------------------------
 *
 * hnswvacuum.c
 *	  ambulkdelete and amvacuumcleanup of the hnsw access method.
 *
 * Three passes over the element pages (src/hnsw/README, Vacuum):
 *	1. Remove dead heap TIDs from every element, page by page under an
 *	   exclusive buffer lock.  Elements left without a heap TID are dead.
 *	2. Under HNSW_UPDATE_LOCK in ExclusiveLock mode (no insert runs), visit
 *	   every live element that links to a dead one.  If at least half of
 *	   each layer's slots stay live, drop the dead neighbours; else give it
 *	   a new neighbour list, chosen by the heuristic among its live
 *	   neighbours, the live neighbours of its dead ones and what a search
 *	   finds, and offer its new neighbours the reverse link as an insert
 *	   does.  Move the entry point off a dead element.
 *	3. Still under that lock, mark dead elements deleted and tell the free
 *	   space map, so that inserts take their space over.
 *	4. In amvacuumcleanup, relink live elements that no walk from the entry
 *	   point reaches (hnswreach.c); the lock is taken only if there are any.
 * Scans run throughout; they skip deleted elements.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

typedef struct HnswVacuumState
{
	Relation	index;
	IndexBulkDeleteResult *stats;
	IndexBulkDeleteCallback callback;
	void	   *callbackState;
	BufferAccessStrategy strategy;
	HnswSupport support;
	int			m;
	HnswIdSet	dead;			/* elements without a live heap TID */
	int64		ndead;
	MemoryContext tmpCtx;		/* per repaired element */
} HnswVacuumState;

/* Pass 1 on one page: drop dead heap TIDs; collect dead elements. */
static void
removeHeapTids(HnswVacuumState *vs, Buffer buf)
{
	Page		page = BufferGetPage(buf);
	GenericXLogState *state = NULL;
	Page		wpage = NULL;
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		HnswElementTuple tup = HnswGetElement(page, off);
		ItemPointerData keep[HNSW_HEAPTIDS];
		int			nkeep = 0;
		int			nremoved = 0;
		ItemPointerData tid;

		if (!tup || tup->deleted)
			continue;
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
		{
			if (!ItemPointerIsValid(&tup->heaptids[i]))
				continue;
			if (vs->callback(&tup->heaptids[i], vs->callbackState))
				nremoved++;
			else
				keep[nkeep++] = tup->heaptids[i];
		}
		if (nremoved > 0)
		{
			if (state == NULL)
			{
				state = GenericXLogStart(vs->index);
				wpage = GenericXLogRegisterBuffer(state, buf, 0);
			}
			tup = HnswGetElement(wpage, off);
			for (int i = 0; i < HNSW_HEAPTIDS; i++)
			{
				if (i < nkeep)
					tup->heaptids[i] = keep[i];
				else
					ItemPointerSetInvalid(&tup->heaptids[i]);
			}
			vs->stats->tuples_removed += nremoved;
		}
		vs->stats->num_index_tuples += nkeep;
		if (nkeep == 0)
		{
			ItemPointerSet(&tid, BufferGetBlockNumber(buf), off);
			if (HnswIdSetAdd(&vs->dead, HnswIdFromTid(&tid), 0))
				vs->ndead++;
		}
	}
	if (state)
		GenericXLogFinish(state);
}

/*
 * New neighbour list of element id (value base) at a layer whose current
 * slots are in slots[max]: live neighbours, the live neighbours of dead
 * ones, and the live elements a search from the entry point found (found),
 * pruned by the heuristic.  Writes the result into slots, and the chosen
 * neighbours that were not in the list before into added[*nadded] (room
 * for max).
 */
static void
repairLayer(HnswVacuumState *vs, HnswDiskGraph *g, HnswId id, Datum base,
			int layer, ItemPointer slots, HnswCand *found, int nfound,
			HnswCand *added, int *nadded)
{
	int			max = HNSW_LAYER_SLOTS(vs->m, layer);
	HnswIdSet	seen;
	HnswCand   *cands = palloc(sizeof(HnswCand) *
							   (max + max * max + nfound + 1));
	HnswCand	sel[2 * HNSW_MAX_M];
	HnswId	   *nbrs = palloc(sizeof(HnswId) * 2 * vs->m);
	int			n = 0;
	int			nsel;

	HnswIdSetInit(&seen, 0);
	HnswIdSetAdd(&seen, id, 0);
	for (int i = 0; i < max && ItemPointerIsValid(&slots[i]); i++)
	{
		HnswId		nid = HnswIdFromTid(&slots[i]);

		if (!HnswIdSetGet(&vs->dead, nid, NULL))
		{
			if (HnswIdSetAdd(&seen, nid, 0))
				cands[n++].id = nid;
			continue;
		}
		/* a dead element still has its lists until pass 3 */
		{
			int			nn = HnswDiskOps.neighbors(g, nid, layer, nbrs);

			for (int j = 0; j < nn; j++)
				if (!HnswIdSetGet(&vs->dead, nbrs[j], NULL) &&
					HnswIdSetAdd(&seen, nbrs[j], 0))
					cands[n++].id = nbrs[j];
		}
	}
	/* what a search from the entry point finds, as an insert would */
	for (int i = 0; i < nfound; i++)
		if (!HnswIdSetGet(&vs->dead, found[i].id, NULL) &&
			HnswIdSetAdd(&seen, found[i].id, 0))
			cands[n++].id = found[i].id;
	for (int i = 0; i < n; i++)
		cands[i].distance = HnswDistance(&vs->support, base,
										 HnswDiskLoadValue(g, cands[i].id));
	HnswSortCands(cands, n);
	nsel = HnswSelectNeighbors(&vs->support, &HnswDiskOps, g, cands, n, max,
							   sel);
	*nadded = 0;
	for (int i = 0; i < nsel; i++)
	{
		bool		was = false;

		for (int j = 0; j < max && ItemPointerIsValid(&slots[j]); j++)
			if (HnswIdFromTid(&slots[j]) == sel[i].id)
				was = true;
		if (!was)
			added[(*nadded)++] = sel[i];
	}
	for (int i = 0; i < max; i++)
	{
		if (i < nsel)
			ItemPointerSet(&slots[i], HnswIdGetBlock(sel[i].id),
						   HnswIdGetOffset(sel[i].id));
		else
			ItemPointerSetInvalid(&slots[i]);
	}
}

/*
 * Does every layer keep at least half its slots' worth of live neighbours?
 * Then dropping the dead ones is repair enough: the element keeps most of
 * what the heuristic chose, and later inserts offer it new links.  (Light
 * deletes touch nearly every element; searching for each one's neighbours
 * costs as much as an insert.)
 */
static bool
canCompact(HnswVacuumState *vs, ItemPointer slots, int level)
{
	for (int l = 0; l <= level; l++)
	{
		ItemPointer ls = slots + HNSW_LAYER_START(vs->m, l);
		int			live = 0;

		for (int i = 0; i < HNSW_LAYER_SLOTS(vs->m, l) &&
			 ItemPointerIsValid(&ls[i]); i++)
			if (!HnswIdSetGet(&vs->dead, HnswIdFromTid(&ls[i]), NULL))
				live++;
		if (live < HNSW_LAYER_SLOTS(vs->m, l) / 2)
			return false;
	}
	return true;
}

/* Drop the dead neighbours from every layer's list, keeping the order. */
static void
compactSlots(HnswVacuumState *vs, ItemPointer slots, int level)
{
	for (int l = 0; l <= level; l++)
	{
		ItemPointer ls = slots + HNSW_LAYER_START(vs->m, l);
		int			max = HNSW_LAYER_SLOTS(vs->m, l);
		int			n = 0;

		for (int i = 0; i < max && ItemPointerIsValid(&ls[i]); i++)
			if (!HnswIdSetGet(&vs->dead, HnswIdFromTid(&ls[i]), NULL))
				ls[n++] = ls[i];
		for (; n < max; n++)
			ItemPointerSetInvalid(&ls[n]);
	}
}

/* Write an element's new lists; no insert runs (HNSW_UPDATE_LOCK). */
static void
writeSlots(HnswVacuumState *vs, HnswDiskGraph *g, HnswId id,
		   ItemPointer slots, int nslots)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	GenericXLogState *state;
	HnswElementTuple tup;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	tup = HnswGetElement(GenericXLogRegisterBuffer(state, buf, 0),
						 HnswIdGetOffset(id));
	memcpy(tup->slots, slots, sizeof(ItemPointerData) * nslots);
	GenericXLogFinish(state);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
}

/* Pass 2 for one live element that links to a dead one. */
static void
repairElement(HnswVacuumState *vs, HnswMetaPageData *meta, HnswId id)
{
	MemoryContext oldCtx = MemoryContextSwitchTo(vs->tmpCtx);
	HnswDiskGraph g;
	Buffer		buf;
	HnswElementTuple tup;
	int			level;
	int			nslots;
	ItemPointer slots;
	Datum		base;
	HnswCand   *found[HNSW_MAX_LEVEL + 1];
	int			nfound[HNSW_MAX_LEVEL + 1];
	HnswCand   *added[HNSW_MAX_LEVEL + 1];
	int			nadded[HNSW_MAX_LEVEL + 1];

	/*
	 * The accessor reads through the default strategy, not vacuum's ring:
	 * the repair's searches jump around the whole index, and pages read
	 * into a ring of 32 buffers are gone by the next visit (nbtree, too,
	 * reads only its sequential scan through the ring).  When the index
	 * and table outgrow shared_buffers, the ring made a 10% delete's
	 * VACUUM three times slower.
	 */
	HnswDiskInit(&g, vs->index, &vs->support, vs->m);
	buf = HnswDiskPin(&g, HnswIdGetBlock(id));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElement(BufferGetPage(buf), HnswIdGetOffset(id));
	level = tup->level;
	nslots = HNSW_SLOT_COUNT(vs->m, level);
	slots = palloc(sizeof(ItemPointerData) * nslots);
	memcpy(slots, tup->slots, sizeof(ItemPointerData) * nslots);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);

	if (canCompact(vs, slots, level))
	{
		compactSlots(vs, slots, level);
		writeSlots(vs, &g, id, slots, nslots);
		HnswDiskRelease(&g);
		MemoryContextSwitchTo(oldCtx);
		MemoryContextReset(vs->tmpCtx);
		return;
	}
	base = HnswDiskLoadValue(&g, id);

	/*
	 * Search for the element's neighbours as an insert would: the two-hop
	 * neighbourhood alone loses the long links that hold clusters
	 * together once many elements are gone.  The search is as wide as a
	 * bottom-layer list (2 * m), not ef_construction: the two-hop
	 * neighbourhood already offers the near candidates, and what the
	 * search adds is the long links, which a narrower search finds as
	 * well.  Measured on 100k x 128, half the rows deleted: VACUUM 7.65 s
	 * with ef_construction (64), 5.52 s with 32, recall@10 after it the
	 * same (0.922 at ef_search 10, 0.996 at 40); 16 lost some (0.920,
	 * 0.993) for 5.09 s.
	 */
	for (int l = 0; l <= level; l++)
		nfound[l] = 0;
	g.query = base;
	HnswFindNeighbors(&g, meta, level, base, NULL,
					  Min(meta->efConstruction, 2 * vs->m), found, nfound);

	for (int l = 0; l <= level; l++)
	{
		ItemPointer ls = slots + HNSW_LAYER_START(vs->m, l);
		bool		touches = false;

		nadded[l] = 0;
		added[l] = palloc(sizeof(HnswCand) * HNSW_LAYER_SLOTS(vs->m, l));
		for (int i = 0; i < HNSW_LAYER_SLOTS(vs->m, l) &&
			 ItemPointerIsValid(&ls[i]); i++)
			if (HnswIdSetGet(&vs->dead, HnswIdFromTid(&ls[i]), NULL))
				touches = true;
		if (touches)
			repairLayer(vs, &g, id, base, l, ls, found[l], nfound[l],
						added[l], &nadded[l]);
	}

	writeSlots(vs, &g, id, slots, nslots);

	/*
	 * Offer the new neighbours the reverse link, as an insert does: without
	 * it, churn leaves elements whose near neighbours have all moved on and
	 * that only far elements link to, which a search for them stops short
	 * of (the soak test found them).
	 */
	for (int l = 0; l <= level; l++)
		for (int i = 0; i < nadded[l]; i++)
			HnswLinkNeighbor(&g, added[l][i].id, l, id, added[l][i].distance,
							 HNSW_LINK_PRUNE, NULL);
	HnswDiskRelease(&g);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(vs->tmpCtx);
}

/* Does a live element on this page link to a dead one?  Share-locked. */
static bool
linksToDead(HnswVacuumState *vs, HnswElementTuple tup)
{
	int			nslots = HNSW_SLOT_COUNT(vs->m, tup->level);

	for (int i = 0; i < nslots; i++)
		if (ItemPointerIsValid(&tup->slots[i]) &&
			HnswIdSetGet(&vs->dead, HnswIdFromTid(&tup->slots[i]), NULL))
			return true;
	return false;
}

/*
 * Point the metapage at a live entry point if it names a dead one, and
 * count this vacuum in it before any element is marked deleted: a backend's
 * copy of the upper layers (hnswupper.c) may hold dead elements, whose
 * space inserts will take over, and is dropped when it sees the count move.
 */
static void
updateMetaPage(HnswVacuumState *vs, ItemPointer best, int bestLevel)
{
	Buffer		buf = ReadBuffer(vs->index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckMeta(vs->index, BufferGetPage(buf));
	state = GenericXLogStart(vs->index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	if (ItemPointerIsValid(&meta->entryPoint) &&
		HnswIdSetGet(&vs->dead, HnswIdFromTid(&meta->entryPoint), NULL))
	{
		if (bestLevel >= 0)
			meta->entryPoint = *best;
		else
			ItemPointerSetInvalid(&meta->entryPoint);
		meta->entryLevel = bestLevel;
	}
	meta->vacuumCount++;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/* Pass 2 over all pages. */
static void
repairGraph(HnswVacuumState *vs)
{
	HnswPageScan ps;
	Buffer		buf;
	ItemPointerData best;
	int			bestLevel = -1;
	OffsetNumber todo[MaxOffsetNumber];
	HnswMetaPageData meta = HnswReadMeta(vs->index);

	ItemPointerSetInvalid(&best);
	HnswPageScanInit(&ps, vs->index, vs->strategy, BUFFER_LOCK_SHARE);
	while ((buf = HnswPageScanNext(&ps)) != InvalidBuffer)
	{
		Page		page = BufferGetPage(buf);
		BlockNumber blkno = BufferGetBlockNumber(buf);
		int			ntodo = 0;

		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswElementTuple tup = HnswGetElement(page, off);
			ItemPointerData tid;

			if (!tup || tup->deleted)
				continue;
			ItemPointerSet(&tid, blkno, off);
			if (HnswIdSetGet(&vs->dead, HnswIdFromTid(&tid), NULL))
				continue;
			if (tup->level > bestLevel)
			{
				bestLevel = tup->level;
				best = tid;
			}
			if (linksToDead(vs, tup))
				todo[ntodo++] = off;
		}
		UnlockReleaseBuffer(buf);

		for (int i = 0; i < ntodo; i++)
		{
			ItemPointerData tid;

			ItemPointerSet(&tid, blkno, todo[i]);
			repairElement(vs, &meta, HnswIdFromTid(&tid));
		}
	}
	updateMetaPage(vs, &best, bestLevel);
}

/* Pass 3: mark dead elements deleted and record the space in the FSM. */
static void
markDeleted(HnswVacuumState *vs)
{
	HnswPageScan ps;
	Buffer		buf;

	HnswPageScanInit(&ps, vs->index, vs->strategy, BUFFER_LOCK_EXCLUSIVE);
	while ((buf = HnswPageScanNext(&ps)) != InvalidBuffer)
	{
		Page		page = BufferGetPage(buf);
		BlockNumber blkno = BufferGetBlockNumber(buf);
		GenericXLogState *state = NULL;
		Page		wpage = NULL;
		Size		reusable = 0;

		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswElementTuple tup = HnswGetElement(page, off);
			ItemPointerData tid;

			if (!tup)
				continue;
			ItemPointerSet(&tid, blkno, off);
			if (!tup->deleted &&
				HnswIdSetGet(&vs->dead, HnswIdFromTid(&tid), NULL))
			{
				if (state == NULL)
				{
					state = GenericXLogStart(vs->index);
					wpage = GenericXLogRegisterBuffer(state, buf, 0);
				}
				tup = HnswGetElement(wpage, off);
				tup->deleted = 1;
				for (int i = 0; i < HNSW_HEAPTIDS; i++)
					ItemPointerSetInvalid(&tup->heaptids[i]);
				for (int i = 0; i < HNSW_SLOT_COUNT(vs->m, tup->level); i++)
					ItemPointerSetInvalid(&tup->slots[i]);
			}
			if (tup->deleted)
				reusable = Max(reusable,
							   MAXALIGN(ItemIdGetLength(PageGetItemId(page, off))) +
							   sizeof(ItemIdData));
		}
		if (state)
			GenericXLogFinish(state);
		reusable = Max(reusable, PageGetFreeSpace(page));
		UnlockReleaseBuffer(buf);
		/*
		 * The FSM rounds what it records down and what is asked for up, to
		 * 1/256 of a page; round up so that an insert asking for exactly a
		 * deleted element's size finds this page.  One that finds no slot of
		 * its exact size corrects the entry (hnswinsert.c).
		 */
		if (reusable > 0)
			RecordPageWithFreeSpace(vs->index, blkno,
									Min(reusable + BLCKSZ / 256 - 1,
										BLCKSZ - SizeOfPageHeaderData));
	}
}

IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	HnswVacuumState vs;
	HnswPageScan ps;
	Buffer		buf;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	memset(&vs, 0, sizeof(vs));
	vs.index = info->index;
	vs.stats = stats;
	vs.callback = callback;
	vs.callbackState = callback_state;
	vs.strategy = info->strategy;
	vs.m = HnswReadMeta(info->index).m;
	HnswInitSupport(info->index, &vs.support);
	HnswIdSetInit(&vs.dead, 0);
	vs.tmpCtx = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum",
									  ALLOCSET_DEFAULT_SIZES);

	stats->num_index_tuples = 0;
	HnswPageScanInit(&ps, info->index, info->strategy, BUFFER_LOCK_EXCLUSIVE);
	while ((buf = HnswPageScanNext(&ps)) != InvalidBuffer)
	{
		removeHeapTids(&vs, buf);
		UnlockReleaseBuffer(buf);
	}

	if (vs.ndead > 0)
	{
		LockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
		repairGraph(&vs);
		markDeleted(&vs);
		UnlockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
	}
	MemoryContextDelete(vs.tmpCtx);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	HnswSupport support;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = info->estimated_count;
	}

	/*
	 * Pass 4, also when no row was deleted: inserts may have cut elements
	 * off too (hnswreach.c).
	 */
	HnswInitSupport(info->index, &support);
	HnswRestoreReachability(info->index, &support, info->strategy, true);

	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	IndexFreeSpaceMapVacuum(info->index);
	return stats;
}
