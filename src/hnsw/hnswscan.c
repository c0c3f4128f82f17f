/*-------------------------------------------------------------------------
 *
 * hnswscan.c
 *	  Index scans of the hnsw access method (amgettuple).
 *
 * The first amgettuple call searches the graph: greedy from the entry
 * point down to layer 1, then Alg. 2 at layer 0 with ef = hnsw.ef_search.
 * Heap TIDs are returned nearest first; distances are not handed to the
 * executor (xs_recheckorderby = false), the order is the contract.
 *
 * With hnsw.iterative_scan on, when the results run out the search goes on
 * from the elements the previous round left out (HnswSearchRestart), until
 * hnsw.max_scan_tuples distances were computed or the scan's memory passes
 * work_mem * hnsw.scan_mem_multiplier.  strict_order drops elements nearer
 * than the last one returned; relaxed_order returns them, slightly out of
 * order.  Scans take no heavyweight lock; see README for what a scan may
 * see of concurrent inserts and vacuum.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

typedef struct HnswScanOpaqueData
{
	HnswSupport support;
	MemoryContext ctx;			/* everything of one search; reset on rescan */
	bool		started;
	bool		done;
	int			efSearch;
	int			iterative;
	HnswDiskGraph g;
	HnswSearch	s;
	HnswCand   *results;		/* current round, nearest first */
	int			nresults;
	int			cur;
	ItemPointerData *tids;		/* heap TIDs to return next: elementTids,
								 * or a page's worth in ctx (nullScan) */
	ItemPointerData elementTids[HNSW_HEAPTIDS];
	int			ntids;
	int			curtid;
	bool		nullScan;		/* NULL query: pages in order (nullPages) */
	HnswPageScan nullPages;
	float		lastDistance;
	HnswId		requeued;		/* last result put back by requeue() */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));

	HnswInitSupport(index, &so->support);
	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan",
									ALLOCSET_DEFAULT_SIZES);
	so->g.buf = InvalidBuffer;
	so->tids = so->elementTids;
	scan->opaque = so;
	return scan;
}

void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (so->started)
		HnswDiskRelease(&so->g);
	MemoryContextReset(so->ctx);
	so->started = false;
	so->done = false;
	so->nresults = so->cur = 0;
	so->tids = so->elementTids;
	so->ntids = so->curtid = 0;
	so->nullScan = false;
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));
}

/*
 * Elements of layer 1 a scan that descends through the copy of the upper
 * layers starts layer 0 from: a search of layer 1 in the copy with this ef
 * costs little, and layer 0 then needs fewer distances to get as far
 * (100k x 128, ef_search 10: 139 distances on layer 0 from one element,
 * 128 from four, 124 from eight, each seed one more; recall@10 0.975 from
 * one, 0.985 from four, 1000 queries).
 */
#define HNSW_SCAN_SEEDS		4

/*
 * Descent from the entry point ep to layer 1, into seeds[] (room for
 * HNSW_SCAN_SEEDS); returns their number.  Through the backend's copy of
 * the upper layers (hnswupper.c) when it has one, and on disk below the
 * copy's lowest layer; the elements the copy leads to are measured again
 * on their pages, and if none is left the descent is made on disk from
 * the top.
 */
static int
descend(IndexScanDesc scan, HnswMetaPageData *meta, HnswCand ep,
		HnswCand *seeds)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswId		ids[HNSW_SCAN_SEEDS];
	float		dists[HNSW_SCAN_SEEDS];
	int			layer;
	int			n;
	int			kept = 0;

	n = HnswUpperDescend(scan->indexRelation, &so->support, meta,
						 so->g.query, ids,
						 Min(HNSW_SCAN_SEEDS, so->efSearch), &layer);
	/* in one call, which loads them all before measuring the first */
	if (n > 0)
		kept = HnswDiskOps.distances(&so->g, ids, dists, n);
	for (int i = 0; i < kept; i++)
	{
		seeds[i].id = ids[i];
		seeds[i].distance = dists[i];
	}
	if (kept > 0 && layer > 1)
	{
		/* the copy stops above layer 1: greedy on disk from its best */
		seeds[0] = HnswGreedyDescend(&so->s, seeds[0], layer - 1, 1);
		kept = 1;
	}
	if (kept == 0)
	{
		seeds[0] = HnswGreedyDescend(&so->s, ep, meta->entryLevel, 1);
		kept = 1;
	}
	return kept;
}

/* First round: descend from the entry point, search layer 0. */
static void
startSearch(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswMetaPageData meta;
	HnswCand	ep;
	Datum		query;
	bool		indexable;

	so->started = true;
	so->efSearch = hnsw_ef_search;
	so->iterative = hnsw_iterative_scan;
	so->lastDistance = -get_float4_infinity();
	so->requeued = 0;			/* offset 0: no element */

	if (scan->numberOfOrderBys == 0)
		elog(ERROR, "cannot scan hnsw index without order");

	/*
	 * A NULL query makes every distance NULL: an exact scan returns all
	 * rows in no particular order, and so does this, page by page.
	 */
	if (scan->orderByData[0].sk_flags & SK_ISNULL)
	{
		so->nullScan = true;
		so->tids = palloc(sizeof(ItemPointerData) * MaxOffsetNumber *
						  HNSW_HEAPTIDS);
		HnswPageScanInit(&so->nullPages, scan->indexRelation, NULL,
						 BUFFER_LOCK_SHARE);
		return;
	}

	/* a zero query under cosine stays unnormalised; all distances tie */
	query = HnswPrepareValue(&so->support,
							 scan->orderByData[0].sk_argument, &indexable);

	/*
	 * Vacuum may mark the entry point deleted right after we read the
	 * metapage; it moves the entry point first, so reading again finds a
	 * live one (or an empty index).
	 */
	for (int attempt = 0;; attempt++)
	{
		meta = HnswReadMeta(scan->indexRelation);
		if (!ItemPointerIsValid(&meta.entryPoint) || attempt == 3)
		{
			so->done = true;
			return;
		}
		if (attempt == 0)
		{
			HnswDiskInit(&so->g, scan->indexRelation, &so->support, meta.m);
			so->g.query = query;
			so->g.peekDeleted = true;
			HnswSearchInit(&so->s, &HnswDiskOps, &so->g, meta.m, 0);
			so->results = palloc(sizeof(HnswCand) * (so->efSearch + 1));
		}
		ep.id = HnswIdFromTid(&meta.entryPoint);
		if (HnswDiskOps.distance(&so->g, ep.id, &ep.distance))
			break;
	}
	if (meta.entryLevel > 0)
	{
		HnswCand	seeds[HNSW_SCAN_SEEDS];

		HnswSearchStart(&so->s, seeds, descend(scan, &meta, ep, seeds));
	}
	else
		HnswSearchStart(&so->s, &ep, 1);
	so->s.keepDiscarded = (so->iterative != HNSW_ITERATIVE_SCAN_OFF);
	HnswSearchLayer(&so->s, so->efSearch, 0);
	so->nresults = HnswSearchResults(&so->s, so->results);
	so->cur = 0;
}

/* NULL query: heap TIDs of the live elements of the next page. */
static bool
nextNullPage(HnswScanOpaque so)
{
	Buffer		buf;

	while ((buf = HnswPageScanNext(&so->nullPages)) != InvalidBuffer)
	{
		Page		page = BufferGetPage(buf);

		so->ntids = so->curtid = 0;
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswElementTuple tup = HnswGetElement(page, off);

			for (int i = 0; tup && !tup->deleted && i < HNSW_HEAPTIDS; i++)
				if (ItemPointerIsValid(&tup->heaptids[i]))
					so->tids[so->ntids++] = tup->heaptids[i];
		}
		UnlockReleaseBuffer(buf);
		if (so->ntids > 0)
			return true;
	}
	return false;
}

/*
 * Put the result just taken back among the rest of the round, where its
 * distance d measured under the lock places it.  The search may have
 * measured it without the lock (hnswdisk.c, peekDistance) while a
 * concurrent insert rewrote it; see README, Page access.
 */
static void
requeue(HnswScanOpaque so, HnswId id, float d)
{
	int			i = --so->cur;

	so->results[i].id = id;
	so->results[i].distance = d;
	for (; i + 1 < so->nresults &&
		 so->results[i + 1].distance < so->results[i].distance; i++)
	{
		HnswCand	tmp = so->results[i];

		so->results[i] = so->results[i + 1];
		so->results[i + 1] = tmp;
	}
	so->requeued = id;
}

/* Another round of an iterative scan; false when the budget is spent. */
static bool
nextRound(HnswScanOpaque so)
{
	double		memLimit = (double) work_mem * 1024.0 * hnsw_scan_mem_multiplier;

	if (so->iterative == HNSW_ITERATIVE_SCAN_OFF ||
		so->s.discarded.count == 0 ||
		so->s.distanceCount >= hnsw_max_scan_tuples ||
		(double) MemoryContextMemAllocated(so->ctx, true) > memLimit)
		return false;

	HnswSearchRestart(&so->s, so->efSearch);
	HnswSearchLayer(&so->s, so->efSearch, 0);
	so->nresults = HnswSearchResults(&so->s, so->results);
	so->cur = 0;
	return so->nresults > 0;
}

bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext oldCtx;
	bool		found = false;

	if (so->done)
		return false;

	oldCtx = MemoryContextSwitchTo(so->ctx);
	if (!so->started)
		startSearch(scan);

	while (!so->done && !found)
	{
		if (so->curtid < so->ntids)
		{
			scan->xs_heaptid = so->tids[so->curtid++];
			found = true;
		}
		else if (so->nullScan)
		{
			if (!nextNullPage(so))
				so->done = true;
		}
		else if (so->cur < so->nresults)
		{
			HnswCand	c = so->results[so->cur++];
			float		d;

			CHECK_FOR_INTERRUPTS();
			so->ntids = HnswDiskHeapTids(&so->g, c.id, so->tids, &d);
			so->curtid = 0;
			if (so->ntids == 0)
				continue;

			/*
			 * The order returned is the order of distances measured under
			 * the lock.  An element that changed since the search measured
			 * it goes back in its place; once, in case it keeps changing.
			 */
			if (d != c.distance && c.id != so->requeued)
			{
				requeue(so, c.id, d);
				so->ntids = 0;
				continue;
			}
			if (so->iterative == HNSW_ITERATIVE_SCAN_STRICT &&
				d < so->lastDistance)
			{
				so->ntids = 0;
				continue;
			}
			so->lastDistance = d;
		}
		else if (!nextRound(so))
			so->done = true;
	}
	MemoryContextSwitchTo(oldCtx);

	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return found;
}

void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (so->started)
		HnswDiskRelease(&so->g);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
