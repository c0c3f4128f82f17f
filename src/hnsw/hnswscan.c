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
#include "access/tableam.h"
#include "miscadmin.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

/*
 * A result read under the lock one step before it is returned, so that its
 * heap page is on its way while the executor handles the result before it.
 */
typedef struct HnswScanAhead
{
	HnswId		id;				/* offset 0: none */
	float		distance;		/* measured under the lock */
	int			ntids;
	ItemPointerData tids[HNSW_HEAPTIDS];
	Buffer		heapBuf;		/* where tids[0]'s page was, unpinned */
} HnswScanAhead;

/* results read ahead: the next one and the one after */
#define HNSW_SCAN_AHEAD		2

/* bytes of a heap tuple asked for ahead of the executor, at most */
#define HNSW_HEAP_PREFETCH_MAX	2048

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
	HnswScanAhead ahead[HNSW_SCAN_AHEAD];	/* see readAhead */
	bool		heapPrefetch;	/* the table is heap: prefetch its pages */
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
	for (int i = 0; i < HNSW_SCAN_AHEAD; i++)
		so->ahead[i].id = 0;
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
 * (100k x 128, ef_search 10, alpha 1.2: 139 distances on layer 0 from one
 * element, 128 from four, 124 from eight, each seed one more; recall@10
 * 0.975 from one, 0.985 from four, 1000 queries).
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

	/*
	 * The read-ahead's prefetches know the heap's page layout, and a table
	 * access method of another kind may keep no blocks behind its TIDs.
	 */
	so->heapPrefetch = scan->heapRelation != NULL &&
		scan->heapRelation->rd_tableam == GetHeapamTableAmRoutine();
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
			/* an iterative scan's visited set may grow large */
			HnswIdSetUsePages(&so->s.visited, so->g.nblocks);
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

/*
 * Start loading the heap page of a result's first TID: find its buffer
 * (PrefetchBuffer, which also asks the kernel for the block when it is not
 * in shared buffers) and ask for the lines the heap fetch reads first: the
 * buffer's descriptor, which the pin changes, the page header and the line
 * pointer.  The TID was read under the lock from a live element, and the
 * scan's lock on the table keeps the heap from being truncated, so its
 * block exists.
 */
static void
prefetchHeapPage(Relation heap, HnswScanAhead *a)
{
	PrefetchBufferResult r;
	Page		page;

	a->heapBuf = InvalidBuffer;
	r = PrefetchBuffer(heap, MAIN_FORKNUM, ItemPointerGetBlockNumber(&a->tids[0]));
	if (!BufferIsValid(r.recent_buffer) || BufferIsLocal(r.recent_buffer))
		return;
	a->heapBuf = r.recent_buffer;
	page = BufferGetPage(a->heapBuf);
	__builtin_prefetch(GetBufferDescriptor(a->heapBuf - 1));
	__builtin_prefetch(page);
	__builtin_prefetch(PageGetItemId(page, ItemPointerGetOffsetNumber(&a->tids[0])));
}

/*
 * Then, one result later, ask for the heap tuple itself, whose place on
 * the page the line pointer asked for above gives: all its lines, up to
 * HNSW_HEAP_PREFETCH_MAX bytes, since the executor reads the whole vector
 * to compute the ORDER BY distance again for its output.  The page is
 * read without a pin and may hold another block by now: the line pointer
 * is only a hint, bounded to the page, and a prefetch never faults.
 */
static void
prefetchHeapTuple(HnswScanAhead *a)
{
	Page		page;
	ItemId		lp;
	Size		start;
	Size		end;

	if (!BufferIsValid(a->heapBuf))
		return;
	page = BufferGetPage(a->heapBuf);
	lp = PageGetItemId(page, ItemPointerGetOffsetNumber(&a->tids[0]));
	start = Min(ItemIdGetOffset(lp), BLCKSZ - 1);
	end = Min(start + Min(ItemIdGetLength(lp), HNSW_HEAP_PREFETCH_MAX), BLCKSZ);
	for (Size off = start; off < end; off += 64)
		__builtin_prefetch((char *) page + off);
	a->heapBuf = InvalidBuffer;
}

static HnswScanAhead *
aheadOf(HnswScanOpaque so, HnswId id)
{
	for (int i = 0; i < HNSW_SCAN_AHEAD; i++)
		if (so->ahead[i].id == id)
			return &so->ahead[i];
	return NULL;
}

/*
 * Read the result at pos under the lock now, into a free slot of the
 * read-ahead, and start loading its heap page.
 */
static void
readAheadAt(IndexScanDesc scan, int pos)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswId		id;
	HnswScanAhead *a = NULL;

	if (pos >= so->nresults || aheadOf(so, so->results[pos].id) != NULL)
		return;
	id = so->results[pos].id;
	/* a slot not holding a result due sooner */
	for (int i = 0; i < HNSW_SCAN_AHEAD && a == NULL; i++)
	{
		bool		due = false;

		for (int j = so->cur; j < pos && !due; j++)
			due = (so->ahead[i].id == so->results[j].id);
		if (!due)
			a = &so->ahead[i];
	}
	if (a == NULL)
		return;
	a->id = id;
	a->heapBuf = InvalidBuffer;
	a->ntids = HnswDiskHeapTids(&so->g, id, a->tids, &a->distance);
	if (a->ntids > 0 && so->heapPrefetch)
		prefetchHeapPage(scan->heapRelation, a);
}

/*
 * After a result is returned, while the executor fetches its heap tuple:
 * ask for the heap tuple of the next result, whose page was asked for one
 * result ago, and read the result after it.  Each heap fetch then finds
 * what it reads in the cache, instead of waiting for four or five lines in
 * turn.  A result that changes in the time between is caught as before:
 * its distance under the lock is compared with the search's when it is
 * taken.
 */
static void
readAhead(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswScanAhead *a;

	if (so->cur < so->nresults &&
		(a = aheadOf(so, so->results[so->cur].id)) != NULL)
		prefetchHeapTuple(a);
	readAheadAt(scan, so->cur + 1);
}

/*
 * The heap TIDs of result c into so->tids, and its distance measured under
 * the lock into *d: from the read-ahead if it read c.
 */
static int
readResult(HnswScanOpaque so, HnswCand c, float *d)
{
	HnswScanAhead *a = aheadOf(so, c.id);

	if (a == NULL)
		return HnswDiskHeapTids(&so->g, c.id, so->tids, d);
	a->id = 0;
	*d = a->distance;
	memcpy(so->tids, a->tids, sizeof(ItemPointerData) * a->ntids);
	return a->ntids;
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

	for (int i = 0; i < HNSW_SCAN_AHEAD; i++)
		so->ahead[i].id = 0;
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
	{
		startSearch(scan);
		readAheadAt(scan, 1);
	}

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
			so->ntids = readResult(so, c, &d);
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
			readAhead(scan);
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
