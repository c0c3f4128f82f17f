/*-------------------------------------------------------------------------
 *
 * ivfscan.c
 *	  Ordered scans of ivfflat: probe the lists nearest the query.
 *
 * The first amgettuple call computes the query's distance to every center,
 * orders the lists by it, reads every entry of the first ivfflat.probes
 * lists into memory with their distances and heapifies them; each call then
 * pops the nearest.  With ivfflat.iterative_scan = relaxed_order, an empty
 * heap makes the scan probe the next batch of lists, up to
 * ivfflat.max_probes lists in all, so a selective filter still gets its
 * LIMIT rows; rows of a later batch may be nearer than rows already
 * returned, which is what "relaxed" means.
 *
 * No buffer pin is held between calls.  That is safe for MVCC snapshots:
 * a TID that VACUUM removes meanwhile is dead to this scan's snapshot, and a
 * heap tuple that later reuses its slot is invisible to it.  See
 * src/ivf/README, "Search" and "Locking".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf/ivf.h"

typedef struct IvfScanItem
{
	double		distance;
	ItemPointerData tid;
} IvfScanItem;

typedef struct IvfScanOpaqueData
{
	IvfOpclass	opc;
	bool		started;
	bool		empty;			/* no query or a query that cannot match */
	Datum		query;
	int			dims;			/* of the query, and so of every entry */
	IvfListRef *lists;			/* in order of center distance */
	int			nlists;
	int			probed;			/* lists read so far */
	int			maxProbes;		/* lists this scan may read in all */
	IvfScanItem *items;			/* a binary min-heap on distance */
	int			nitems;
	int			capacity;
	MemoryContext scanCtx;		/* query, lists, items; reset on rescan */
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

IndexScanDesc
ivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = palloc0(sizeof(IvfScanOpaqueData));

	IvfGetOpclass(index, &so->opc);
	so->scanCtx = AllocSetContextCreate(CurrentMemoryContext,
										"ivfflat scan context",
										ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		  int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextReset(so->scanCtx);
	so->started = false;
	so->empty = false;
	so->lists = NULL;
	so->items = NULL;
	so->nitems = so->capacity = 0;
	so->probed = 0;
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));
}

static int
compareListDistance(const void *a, const void *b)
{
	const IvfListRef *la = (const IvfListRef *) a;
	const IvfListRef *lb = (const IvfListRef *) b;

	if (la->distance < lb->distance)
		return -1;
	if (la->distance > lb->distance)
		return 1;
	/* ties by position, so that the probe order is deterministic */
	return la->startPage < lb->startPage ? -1 : la->startPage > lb->startPage;
}

static void
siftDownListMax(IvfListRef *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					m = i;
		IvfListRef	tmp;

		if (l < n && compareListDistance(&h[l], &h[m]) > 0)
			m = l;
		if (l + 1 < n && compareListDistance(&h[l + 1], &h[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

/*
 * Move the k nearest lists to the front of lists[0..n), sorted; the rest is
 * left in no particular order.  A bounded max-heap of size k instead of a
 * full sort: with lists = 1000 and probes = 10, sorting every list cost more
 * than scanning the probed ones.
 */
static void
selectNearestLists(IvfListRef *lists, int n, int k)
{
	IvfListRef	tmp;

	if (k < n)
	{
		/* max-heap on (distance, startPage) over lists[0..k) */
		for (int i = k / 2 - 1; i >= 0; i--)
			siftDownListMax(lists, k, i);
		for (int i = k; i < n; i++)
		{
			if (compareListDistance(&lists[i], &lists[0]) >= 0)
				continue;
			tmp = lists[0];
			lists[0] = lists[i];
			lists[i] = tmp;
			siftDownListMax(lists, k, 0);
		}
	}
	qsort(lists, Min(k, n), sizeof(IvfListRef), compareListDistance);
}

static inline bool
itemLess(const IvfScanItem *a, const IvfScanItem *b)
{
	if (a->distance != b->distance)
		return a->distance < b->distance;
	return ItemPointerCompare((ItemPointer) &a->tid, (ItemPointer) &b->tid) < 0;
}

static void
siftDown(IvfScanItem *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					m = i;
		IvfScanItem tmp;

		if (l < n && itemLess(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && itemLess(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

/* Read every entry of one list, share-locking one page at a time. */
static void
scanList(IndexScanDesc scan, const IvfListRef *list)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber blkno = list->startPage;
	BlockNumber nblocks = 0;
	uint32		steps = 0;

	if (!IvfFollowLink(index, list->listBlkno, blkno, &nblocks, &steps))
		return;
	for (;;)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfPageIsType(page, IVF_PAGE_ENTRY))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has a corrupted entry page %u",
							RelationGetRelationName(index), blkno),
					 errhint("Rebuild the index with REINDEX.")));
		maxoff = PageGetMaxOffsetNumber(page);
		if (so->nitems + maxoff > so->capacity)
		{
			so->capacity = Max(so->capacity * 2, so->nitems + maxoff + 256);
			so->items = so->items ?
				repalloc_huge(so->items, sizeof(IvfScanItem) * so->capacity) :
				MemoryContextAllocHuge(so->scanCtx,
									   sizeof(IvfScanItem) * so->capacity);
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			IvfEntryTuple et = (IvfEntryTuple)
				PageGetItem(page, PageGetItemId(page, off));
			IvfScanItem *item = &so->items[so->nitems++];

			/*
			 * One indirect call per entry, so that a corrupted dimension
			 * is reported as corruption rather than as a data error.
			 */
			if (so->opc.typeOps->dims(PointerGetDatum(et->value)) != so->dims)
				ereport(ERROR,
						(errcode(ERRCODE_INDEX_CORRUPTED),
						 errmsg("index \"%s\" has an entry of the wrong dimension on page %u",
								RelationGetRelationName(index), blkno),
						 errhint("Rebuild the index with REINDEX.")));

			item->distance = IvfDistance(&so->opc, so->query,
										 PointerGetDatum(et->value));
			item->tid = et->tid;
		}
		next = IvfPageGetNext(page);
		UnlockReleaseBuffer(buf);
		if (!IvfFollowLink(index, blkno, next, &nblocks, &steps))
			break;
		blkno = next;
	}
}

/* Probe the next nprobe lists and heapify what they hold. */
static void
probeLists(IndexScanDesc scan, int nprobe)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	int			end = Min(so->probed + nprobe, so->maxProbes);

	for (; so->probed < end; so->probed++)
		scanList(scan, &so->lists[so->probed]);
	for (int i = so->nitems / 2 - 1; i >= 0; i--)
		siftDown(so->items, so->nitems, i);
}

/* First call: prepare the query and order the lists. */
static void
startScan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	MemoryContext oldCtx;
	bool		skip;

	so->started = true;
	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot scan ivfflat index without order")));
	if (scan->orderByData[0].sk_flags & SK_ISNULL)
	{
		so->empty = true;
		return;
	}
	oldCtx = MemoryContextSwitchTo(so->scanCtx);
	so->query = IvfPrepareValue(&so->opc, scan->orderByData[0].sk_argument,
								&skip);
	if (skip)
		so->empty = true;
	else
	{
		so->dims = so->opc.typeOps->dims(so->query);
		so->lists = IvfReadLists(scan->indexRelation, &so->opc, so->query,
								 &so->nlists);
		so->maxProbes = ivf_iterative_scan == IVF_ITERATIVE_SCAN_OFF ?
			ivf_probes : Max(ivf_probes, ivf_max_probes);
		so->maxProbes = Min(so->maxProbes, so->nlists);
		selectNearestLists(so->lists, so->nlists, so->maxProbes);
	}
	MemoryContextSwitchTo(oldCtx);
	pgstat_count_index_scan(scan->indexRelation);
	if (!so->empty)
		probeLists(scan, ivf_probes);
}

bool
ivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	MemoryContext oldCtx;

	if (!so->started)
		startScan(scan);
	if (so->empty)
		return false;
	while (so->nitems == 0)
	{
		if (so->probed >= so->maxProbes)
			return false;
		oldCtx = MemoryContextSwitchTo(so->scanCtx);
		probeLists(scan, ivf_probes);
		MemoryContextSwitchTo(oldCtx);
	}
	scan->xs_heaptid = so->items[0].tid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	so->items[0] = so->items[--so->nitems];
	siftDown(so->items, so->nitems, 0);
	return true;
}

void
ivfendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextDelete(so->scanCtx);
	pfree(so);
	scan->opaque = NULL;
}
