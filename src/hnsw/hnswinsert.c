/*-------------------------------------------------------------------------
 *
 * hnswinsert.c
 *	  aminsert of the hnsw access method: Alg. 1 on disk.
 *
 * An insert holds the heavyweight HNSW_UPDATE_LOCK in ShareLock mode (in
 * ExclusiveLock mode when it raises the entry point), so vacuum's graph
 * repair never runs beside it.  It holds at most one buffer lock at a time:
 * it searches under share locks, adds its element tuple, then links each
 * chosen neighbour back to it, re-checking under the exclusive lock that
 * the neighbour's list did not change since it was read.  Every page change
 * is one Generic WAL record.  See src/hnsw/README, Locking and WAL.
 *
 * A value equal to an element's (same bytes) whose element has a free heap
 * TID slot gets the new heap TID instead of a new element: this makes an
 * UPDATE that leaves the vector unchanged cheap.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

/*
 * During a build that overflowed maintenance_work_mem, the rest of the
 * tuples go through this insert path into an index nobody else can see yet;
 * its pages are WAL-logged all at once when the build ends (log_newpage_range
 * in hnswbuild.c), so page edits skip Generic WAL.  Identified by the
 * relfilenode being built; reset by the build, error or not.
 */
static Oid	unloggedBuildNode = InvalidOid;

void
HnswSetUnloggedBuild(Relation index)
{
	unloggedBuildNode = index ? index->rd_node.relNode : InvalidOid;
}

static GenericXLogState *
editStart(Relation index)
{
	if (OidIsValid(unloggedBuildNode) &&
		index->rd_node.relNode == unloggedBuildNode)
		return NULL;
	return GenericXLogStart(index);
}

static Page
editRegister(GenericXLogState *state, Buffer buf, int flags)
{
	return state ? GenericXLogRegisterBuffer(state, buf, flags) :
		BufferGetPage(buf);
}

static void
editFinish(GenericXLogState *state, Buffer buf)
{
	if (state)
		GenericXLogFinish(state);
	else
		MarkBufferDirty(buf);
}

/*
 * Put tup in the page if there is room or a deleted element of the same
 * size to take over.  The caller holds the buffer exclusively locked.
 * Returns the offset, or InvalidOffsetNumber.  WAL-logs the change.
 */
static OffsetNumber
placeOnPage(Relation index, Buffer buf, HnswElementTuple tup, Size size)
{
	Page		page = BufferGetPage(buf);
	OffsetNumber maxoff;
	GenericXLogState *state;

	if (!HnswPageIdIsValid(page) || !HnswPageIsElement(page))
		return InvalidOffsetNumber;

	maxoff = PageGetMaxOffsetNumber(page);
	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		itemid = PageGetItemId(page, off);
		HnswElementTuple old = HnswGetElement(page, off);

		if (old && old->deleted && ItemIdGetLength(itemid) == size)
		{
			state = editStart(index);
			page = editRegister(state, buf, 0);
			memcpy(PageGetItem(page, PageGetItemId(page, off)), tup, size);
			editFinish(state, buf);
			return off;
		}
	}

	if (PageGetFreeSpace(page) >= MAXALIGN(size))
	{
		OffsetNumber off;

		state = editStart(index);
		page = editRegister(state, buf, 0);
		off = PageAddItem(page, (Item) tup, size, InvalidOffsetNumber,
						  false, false);
		if (off == InvalidOffsetNumber)
		{
			if (state)
				GenericXLogAbort(state);
			return InvalidOffsetNumber;
		}
		editFinish(state, buf);
		return off;
	}
	return InvalidOffsetNumber;
}

/* Try one existing page; the buffer is released before returning. */
static bool
tryPage(Relation index, BlockNumber blkno, HnswElementTuple tup, Size size,
		ItemPointer tid)
{
	Buffer		buf = ReadBuffer(index, blkno);
	OffsetNumber off;
	Size		avail;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	off = placeOnPage(index, buf, tup, size);
	avail = PageGetFreeSpace(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	if (off != InvalidOffsetNumber)
	{
		ItemPointerSet(tid, blkno, off);
		return true;
	}
	/* the FSM overstated this page; correct it (not WAL-logged, a hint) */
	RecordPageWithFreeSpace(index, blkno, avail);
	return false;
}

/* Point the metapage at a new entry point or insert page, if still newer. */
static void
updateMeta(Relation index, ItemPointer entry, int level, BlockNumber insertPage)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = editStart(index);
	meta = HnswPageGetMeta(editRegister(state, buf, 0));
	if (entry && level > meta->entryLevel)
	{
		meta->entryPoint = *entry;
		meta->entryLevel = level;
	}
	if (insertPage != InvalidBlockNumber &&
		(meta->insertPage == InvalidBlockNumber || insertPage > meta->insertPage))
		meta->insertPage = insertPage;
	editFinish(state, buf);
	UnlockReleaseBuffer(buf);
}

/*
 * Store an element tuple: a page the FSM offers (reusing deleted elements'
 * space), else the last page, else a new page.  Returns its TID in *tid.
 * No buffer lock is held on entry or return.
 */
static void
addElementTuple(Relation index, HnswElementTuple tup, Size size,
				ItemPointer tid)
{
	BlockNumber blkno;
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	OffsetNumber off;
	HnswMetaPageData meta;

	blkno = GetPageWithFreeSpace(index, MAXALIGN(size) + sizeof(ItemIdData));
	while (blkno != InvalidBlockNumber)
	{
		if (tryPage(index, blkno, tup, size, tid))
			return;
		blkno = GetPageWithFreeSpace(index, MAXALIGN(size) + sizeof(ItemIdData));
	}

	meta = HnswReadMeta(index);
	if (meta.insertPage != InvalidBlockNumber &&
		tryPage(index, meta.insertPage, tup, size, tid))
		return;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);

	state = editStart(index);
	page = editRegister(state, buf, GENERIC_XLOG_FULL_IMAGE);
	HnswInitPage(page, HNSW_PAGE_ELEMENT);
	off = PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "failed to add hnsw element to \"%s\"",
			 RelationGetRelationName(index));
	editFinish(state, buf);
	blkno = BufferGetBlockNumber(buf);
	UnlockReleaseBuffer(buf);

	ItemPointerSet(tid, blkno, off);
	updateMeta(index, NULL, -1, blkno);
}

/*
 * Add heaptid to the element id if its value equals value byte for byte,
 * it still has a live heap TID (so vacuum is not about to remove it) and a
 * free slot.  Returns true if added.
 */
static bool
addHeapTid(HnswDiskGraph *g, HnswId id, Datum value, ItemPointer heaptid)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	HnswElementTuple tup;
	Pointer		v;
	int			freeSlot = -1;
	int			live = 0;
	bool		added = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswGetElement(BufferGetPage(buf), HnswIdGetOffset(id));
	if (tup && !tup->deleted)
	{
		v = HnswElementGetValue(tup, g->m);
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
		{
			if (ItemPointerIsValid(&tup->heaptids[i]))
				live++;
			else if (freeSlot < 0)
				freeSlot = i;
		}
		if (live > 0 && freeSlot >= 0 &&
			VARSIZE(v) == VARSIZE(DatumGetPointer(value)) &&
			memcmp(v, DatumGetPointer(value), VARSIZE(v)) == 0)
		{
			GenericXLogState *state = editStart(g->index);
			Page		page = editRegister(state, buf, 0);

			tup = HnswGetElement(page, HnswIdGetOffset(id));
			tup->heaptids[freeSlot] = *heaptid;
			editFinish(state, buf);
			added = true;
		}
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return added;
}

/* Does a selection of neighbours name id? */
static bool
candsHold(HnswCand *cands, int n, HnswId id)
{
	for (int i = 0; i < n; i++)
		if (cands[i].id == id)
			return true;
	return false;
}

/* Does a neighbour list name id? */
static bool
slotsHold(ItemPointer slots, int max, HnswId id)
{
	for (int i = 0; i < max && ItemPointerIsValid(&slots[i]); i++)
		if (HnswIdFromTid(&slots[i]) == id)
			return true;
	return false;
}

/*
 * Make newid a neighbour of element nid at a layer.  When the list is
 * full, the heuristic chooses among the old neighbours and the new one.
 * The list is read under a share lock, the new one computed without locks,
 * and written only if the list is unchanged under the exclusive lock; else
 * the whole step is retried a few times, then given up (see README,
 * Reachability).
 *
 * HNSW_LINK_APPEND only fills a free slot and leaves a full list alone.
 * HNSW_LINK_FORCE makes the new element take the place of the farthest
 * neighbour the heuristic kept when the heuristic would leave it out: used
 * when the new element would otherwise have no in-link at all; with
 * evictable, only a neighbour in that set (one known to have other
 * in-links) may give up its place.  Returns whether the list now names the
 * new element.
 */
bool
HnswLinkNeighbor(HnswDiskGraph *g, HnswId nid, int layer, HnswId newid,
				 float newDistance, HnswLinkMode mode, HnswIdSet *evictable)
{
	int			max = HNSW_LAYER_SLOTS(g->m, layer);
	int			start = HNSW_LAYER_START(g->m, layer);
	ItemPointerData old[2 * HNSW_MAX_M];
	ItemPointerData new[2 * HNSW_MAX_M];
	HnswCand	cands[2 * HNSW_MAX_M + 1];
	HnswCand	sel[2 * HNSW_MAX_M];

	for (int attempt = 0; attempt < 3; attempt++)
	{
		Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(nid));
		HnswElementTuple tup;
		int			n = 0;
		int			nnew;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		tup = HnswGetElement(BufferGetPage(buf), HnswIdGetOffset(nid));
		if (!tup || tup->deleted || tup->level < layer)
		{
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			return false;
		}
		memcpy(old, tup->slots + start, sizeof(ItemPointerData) * max);
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		if (slotsHold(old, max, newid))
			return true;
		while (n < max && ItemPointerIsValid(&old[n]))
			n++;
		if (n == max && mode == HNSW_LINK_APPEND)
			return false;

		memcpy(new, old, sizeof(ItemPointerData) * max);
		if (n < max)
		{
			ItemPointerSet(&new[n], HnswIdGetBlock(newid), HnswIdGetOffset(newid));
		}
		else
		{
			Datum		base = HnswDiskLoadValue(g, nid);

			for (int i = 0; i < n; i++)
			{
				cands[i].id = HnswIdFromTid(&old[i]);
				cands[i].distance = HnswDistance(g->support, base,
												 HnswDiskLoadValue(g, cands[i].id));
			}
			cands[n].id = newid;
			cands[n].distance = newDistance;
			HnswSortCands(cands, n + 1);
			nnew = HnswSelectNeighbors(g->support, &HnswDiskOps, g, cands,
									   n + 1, max, sel);
			if (!candsHold(sel, nnew, newid))
			{
				int			victim = nnew;

				if (mode != HNSW_LINK_FORCE)
					return false;
				if (nnew == max)
				{
					for (victim = nnew - 1; victim >= 0; victim--)
						if (evictable == NULL ||
							HnswIdSetGet(evictable, sel[victim].id, NULL))
							break;
					if (victim < 0)
						return false;
					/* keep the list in distance order */
					memmove(&sel[victim], &sel[victim + 1],
							sizeof(HnswCand) * (nnew - victim - 1));
					victim = --nnew;
				}
				sel[victim].id = newid;
				sel[victim].distance = newDistance;
				nnew++;
			}
			for (int i = 0; i < max; i++)
			{
				if (i < nnew)
					ItemPointerSet(&new[i], HnswIdGetBlock(sel[i].id),
								   HnswIdGetOffset(sel[i].id));
				else
					ItemPointerSetInvalid(&new[i]);
			}
		}

		buf = HnswDiskPin(g, HnswIdGetBlock(nid));
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		tup = HnswGetElement(BufferGetPage(buf), HnswIdGetOffset(nid));
		if (tup && !tup->deleted &&
			memcmp(old, tup->slots + start, sizeof(ItemPointerData) * max) == 0)
		{
			GenericXLogState *state = editStart(g->index);
			Page		page = editRegister(state, buf, 0);

			tup = HnswGetElement(page, HnswIdGetOffset(nid));
			memcpy(tup->slots + start, new, sizeof(ItemPointerData) * max);
			editFinish(state, buf);
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			return true;
		}
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	}
	return false;
}

/* Form the new element's tuple; size in *size, palloc'd. */
static HnswElementTuple
formTuple(int m, int level, Datum value, ItemPointer heaptid,
		  HnswCand **sel, int *nsel, Size *size)
{
	Size		vsize = VARSIZE(DatumGetPointer(value));
	HnswElementTuple tup;

	*size = HNSW_ELEMENT_TUPLE_SIZE(m, level, vsize);
	tup = palloc0(*size);
	tup->level = level;
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
		ItemPointerSetInvalid(&tup->heaptids[i]);
	tup->heaptids[0] = *heaptid;
	for (int l = 0; l <= level; l++)
	{
		ItemPointer slots = tup->slots + HNSW_LAYER_START(m, l);

		for (int i = 0; i < HNSW_LAYER_SLOTS(m, l); i++)
		{
			if (sel && i < nsel[l])
				ItemPointerSet(&slots[i], HnswIdGetBlock(sel[l][i].id),
							   HnswIdGetOffset(sel[l][i].id));
			else
				ItemPointerSetInvalid(&slots[i]);
		}
	}
	memcpy(HnswElementGetValue(tup, m), DatumGetPointer(value), vsize);
	return tup;
}

/*
 * Search the graph for the new element's neighbours at every layer up to
 * level (Alg. 1 lines 5-11), ef wide (ef_construction for an insert).
 * Fills sel[l], nsel[l]; returns false if the value went into an existing
 * element as a duplicate (only when heaptid is given).
 */
bool
HnswFindNeighbors(HnswDiskGraph *g, HnswMetaPageData *meta, int level,
				  Datum value, ItemPointer heaptid, int ef,
				  HnswCand **sel, int *nsel)
{
	HnswSearch	s;
	HnswCand	ep;
	HnswCand   *w = palloc(sizeof(HnswCand) * (ef + 1));
	int			nw;

	HnswSearchInit(&s, &HnswDiskOps, g, meta->m, 0);
	ep.id = HnswIdFromTid(&meta->entryPoint);
	if (!HnswDiskOps.distance(g, ep.id, &ep.distance))
		elog(ERROR, "hnsw entry point of \"%s\" is missing",
			 RelationGetRelationName(g->index));
	if (meta->entryLevel > level)
		ep = HnswGreedyDescend(&s, ep, meta->entryLevel, level + 1);

	w[0] = ep;
	nw = 1;
	for (int lc = Min(level, meta->entryLevel); lc >= 0; lc--)
	{
		HnswSearchStart(&s, w, nw);
		HnswSearchLayer(&s, ef, lc);
		nw = HnswSearchResults(&s, w);

		if (lc == 0 && heaptid != NULL)
		{
			/* equal values tie with the nearest; memcmp decides */
			for (int i = 0; i < nw && w[i].distance <= w[0].distance; i++)
				if (addHeapTid(g, w[i].id, value, heaptid))
					return false;
		}
		/* m on every layer, as hnswlib; lists grow to 2*m on layer 0 */
		sel[lc] = palloc(sizeof(HnswCand) * meta->m);
		nsel[lc] = HnswSelectNeighbors(g->support, &HnswDiskOps, g, w, nw,
									   meta->m, sel[lc]);
	}
	return true;
}

/* Give element id's bottom-layer list, if deletes emptied it, sel. */
static void
fillEmptyList(HnswDiskGraph *g, HnswId id, HnswCand *sel, int nsel)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	HnswElementTuple tup;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswDiskElement(g, buf, id);
	if (tup && !tup->deleted && !ItemPointerIsValid(&tup->slots[0]))
	{
		GenericXLogState *state = editStart(g->index);
		int			n = 0;

		tup = HnswGetElement(editRegister(state, buf, 0), HnswIdGetOffset(id));
		for (int i = 0; i < nsel && n < HNSW_LAYER_SLOTS(g->m, 0); i++)
		{
			if (sel[i].id == id)
				continue;
			/* ItemPointerSet evaluates its first argument more than once */
			ItemPointerSet(&tup->slots[n], HnswIdGetBlock(sel[i].id),
						   HnswIdGetOffset(sel[i].id));
			n++;
		}
		editFinish(state, buf);
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
}

/* Link id on the bottom layer from the first of cands that takes it. */
static bool
linkFromFirst(HnswDiskGraph *g, HnswCand *cands, int n, HnswId id,
			  HnswLinkMode mode, HnswIdSet *evictable)
{
	for (int i = 0; i < n; i++)
		if (cands[i].id != id &&
			HnswLinkNeighbor(g, cands[i].id, 0, id, cands[i].distance, mode,
							 evictable))
			return true;
	return false;
}

/*
 * Give an element that no bottom-layer walk from the entry point reaches
 * an in-link from one that it reaches.  The search runs on the bottom
 * layer from the entry point, without the greedy descent of an insert: the
 * descent would lead into the element's own cut-off group, whose lists do
 * not help.  One in-link is enough, taken where it disturbs the reached
 * elements' lists least: a free slot in the nearest result's list that has
 * one, else a place the heuristic of a chosen neighbour grants (pruning its
 * list as an insert would), else the place of an element in evictable
 * (reached over two links or more).  Its own bottom-layer list, if deletes
 * emptied it, gets the chosen neighbours.  Returns whether it was linked.
 * The caller holds HNSW_UPDATE_LOCK in ExclusiveLock mode (or builds the
 * index); no buffer lock on entry or exit.
 */
bool
HnswRelinkElement(HnswDiskGraph *g, HnswMetaPageData *meta, HnswId id,
				  HnswIdSet *evictable)
{
	HnswSearch	s;
	HnswCand	ep;
	HnswCand   *found = palloc(sizeof(HnswCand) * (meta->efConstruction + 1));
	HnswCand   *sel = palloc(sizeof(HnswCand) * meta->m);
	int			nfound;
	int			nsel;
	bool		linked;

	g->query = HnswDiskLoadValue(g, id);
	HnswSearchInit(&s, &HnswDiskOps, g, meta->m, 0);
	ep.id = HnswIdFromTid(&meta->entryPoint);
	if (!HnswDiskOps.distance(g, ep.id, &ep.distance))
		return false;
	HnswSearchStart(&s, &ep, 1);
	HnswSearchLayer(&s, meta->efConstruction, 0);
	nfound = HnswSearchResults(&s, found);
	nsel = HnswSelectNeighbors(g->support, &HnswDiskOps, g, found, nfound,
							   meta->m, sel);

	/*
	 * One in-link is enough.  Disturb the reached elements' lists as little
	 * as possible: a free slot in the nearest list that has one, else a
	 * place the heuristic grants, else an eviction.
	 */
	linked = linkFromFirst(g, found, nfound, id, HNSW_LINK_APPEND, NULL) ||
		linkFromFirst(g, sel, nsel, id, HNSW_LINK_PRUNE, NULL) ||
		linkFromFirst(g, sel, nsel, id, HNSW_LINK_FORCE, evictable) ||
		linkFromFirst(g, found, nfound, id, HNSW_LINK_FORCE, evictable);
	fillEmptyList(g, id, sel, nsel);
	return linked;
}

/*
 * Insert a prepared value (see HnswPrepareValue) into the graph on disk.
 * Takes and releases HNSW_UPDATE_LOCK; no buffer lock held on entry or exit.
 */
void
HnswInsertValue(Relation index, HnswSupport *support, Datum value,
				ItemPointer heaptid)
{
	HnswMetaPageData meta;
	HnswDiskGraph g;
	LOCKMODE	lockmode = ShareLock;
	HnswCand   *sel[HNSW_MAX_LEVEL + 1];
	int			nsel[HNSW_MAX_LEVEL + 1];
	int			level;
	int			maxLevel;
	HnswElementTuple tup;
	Size		size;
	ItemPointerData tid;

	LockPage(index, HNSW_UPDATE_LOCK, lockmode);
	meta = HnswReadMeta(index);
	maxLevel = HnswCheckValueSize(meta.m, VARSIZE(DatumGetPointer(value)));
	level = HnswRandomLevel(1.0 / log((double) meta.m),
							pg_prng_double(&pg_global_prng_state), maxLevel);

	/* raising the entry point: serialize with other such inserts */
	if (level > meta.entryLevel)
	{
		UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
		lockmode = ExclusiveLock;
		LockPage(index, HNSW_UPDATE_LOCK, lockmode);
		meta = HnswReadMeta(index);
	}

	HnswDiskInit(&g, index, support, meta.m);
	g.query = value;
	if (!ItemPointerIsValid(&meta.entryPoint))
	{
		tup = formTuple(meta.m, level, value, heaptid, NULL, NULL, &size);
		addElementTuple(index, tup, size, &tid);
		updateMeta(index, &tid, level, InvalidBlockNumber);
	}
	else if (HnswFindNeighbors(&g, &meta, level, value, heaptid,
							   meta.efConstruction, sel, nsel))
	{
		HnswId		newid;
		bool		linked = false;

		for (int l = meta.entryLevel + 1; l <= level; l++)
			nsel[l] = 0;
		tup = formTuple(meta.m, level, value, heaptid, sel, nsel, &size);
		addElementTuple(index, tup, size, &tid);
		newid = HnswIdFromTid(&tid);
		for (int l = Min(level, meta.entryLevel); l >= 0; l--)
			for (int i = 0; i < nsel[l]; i++)
				if (HnswLinkNeighbor(&g, sel[l][i].id, l, newid,
									 sel[l][i].distance, HNSW_LINK_PRUNE,
									 NULL) && l == 0)
					linked = true;

		/*
		 * Every neighbour's heuristic may prefer its old links; an element
		 * nothing links to is found by no search, so take a place in the
		 * nearest neighbour's list.
		 */
		if (!linked && nsel[0] > 0)
			HnswLinkNeighbor(&g, sel[0][0].id, 0, newid, sel[0][0].distance,
							 HNSW_LINK_FORCE, NULL);
		if (level > meta.entryLevel)
			updateMeta(index, &tid, level, InvalidBlockNumber);
	}
	HnswDiskRelease(&g);
	UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
}

bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	MemoryContext ctx;
	MemoryContext oldCtx;
	HnswSupport support;
	Datum		value;
	bool		indexable;

	if (isnull[0])
		return false;

	ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(ctx);
	HnswInitSupport(index, &support);
	value = HnswPrepareValue(&support, values[0], &indexable);
	if (indexable)
		HnswInsertValue(index, &support, value, heap_tid);
	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(ctx);
	return false;
}
