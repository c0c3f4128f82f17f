/*-------------------------------------------------------------------------
 *
 * hnswsearch.c
 *	  Layer search and neighbour selection of HNSW, over an accessor.
 *
 * Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
 * search using Hierarchical Navigable Small World graphs" (2016).  This file
 * holds Alg. 2 (SEARCH-LAYER) and Alg. 4 (SELECT-NEIGHBORS-HEURISTIC).  It
 * never touches buffers: elements are reached through an HnswGraphOps, which
 * the in-memory build (hnswbuild.c) and the on-disk accessor (hnswdisk.c)
 * implement.  Candidates live in binary heaps of (id, distance) pairs in
 * arrays that grow by doubling, so the hot loop allocates nothing per
 * candidate.  Differences from the paper are listed in src/hnsw/README.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswsearch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw/hnsw.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* Fibonacci hashing of an id into a table of 2^k slots */
static inline uint64
hashId(HnswId id, uint64 mask)
{
	return ((id + 1) * UINT64CONST(0x9E3779B97F4A7C15) >> 20) & mask;
}

/*
 * Initialise an id set.  With dense > 0, ids are below dense and a stamp
 * array is used; else an open-addressing hash table whose slots are in use
 * when their stamp equals the generation.  Both are cleared in O(1) by
 * bumping the generation: a scan clears its visited set once per layer, and
 * memset of a table sized for ef costs more than the upper layers' search.
 * Memory in the current context.
 */
void
HnswIdSetInit(HnswIdSet *set, uint64 dense)
{
	memset(set, 0, sizeof(*set));
	set->generation = 1;
	if (dense > 0)
	{
		set->nstamps = dense;
		set->stamps = palloc_extended(sizeof(uint32) * dense,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	else
	{
		set->capacity = 1024;
		set->slots = palloc0(sizeof(HnswIdSlot) * set->capacity);
	}
}

/*
 * Let a hash-mode set of element TIDs of an index of npages blocks switch to
 * page mode when it outgrows HNSW_IDSET_PAGES_AFTER slots: the ids of the
 * first 32 offsets of each block are then bits of their block's entry (8
 * bytes a block), and only the rest stay in a hash table.  A search that
 * goes on past a thousand elements, as a filtered iterative scan does,
 * probes a table too large for the first-level cache at every neighbour;
 * a bit costs one miss at most, with no probing, and neighbours on one
 * page share a line.  The bits of a large index take more memory than the
 * table they replace, which counts against an iterative scan's memory
 * budget: so the switch waits until they take no more than the table's
 * next doubling would, or HNSW_IDSET_PAGES_MEM.  The values of ids kept as
 * bits are lost (Get reports 0), so only sets whose values are unused may
 * use this.
 */
void
HnswIdSetUsePages(HnswIdSet *set, BlockNumber npages)
{
	Assert(set->slots != NULL && set->pages == NULL);
	set->npages = npages;
}

#define HNSW_IDSET_PAGES_AFTER	2048	/* slots: about 1000 ids */
#define HNSW_IDSET_PAGES_MEM	(256 * 1024)	/* bytes: 32768 blocks */

/* Whether id belongs in the page bits; *page and *bit locate it. */
static inline bool
idSetPageOf(HnswIdSet *set, HnswId id, HnswIdPageBits **page, uint32 *bit)
{
	BlockNumber blkno = HnswIdGetBlock(id);
	OffsetNumber off = HnswIdGetOffset(id);

	if (blkno >= set->npages || off < FirstOffsetNumber ||
		off > HNSW_IDSET_PAGE_OFFSETS)
		return false;
	*page = &set->pages[blkno];
	*bit = ((uint32) 1) << (off - 1);
	return true;
}

/* Add id to the page bits if it belongs there: 1 added, 0 present, -1 not. */
static inline int
idSetPageAdd(HnswIdSet *set, HnswId id)
{
	HnswIdPageBits *page;
	uint32		bit;

	if (!idSetPageOf(set, id, &page, &bit))
		return -1;
	if (page->stamp != set->generation)
	{
		page->stamp = set->generation;
		page->bits = 0;
	}
	if (page->bits & bit)
		return 0;
	page->bits |= bit;
	return 1;
}

/*
 * Move a hash-mode set's ids into a new table of capacity slots (in page
 * mode, those that fit go to the page bits instead).
 */
static void
rehashIdSet(HnswIdSet *set, uint64 capacity)
{
	HnswIdSlot *old = set->slots;
	uint64		oldcap = set->capacity;

	set->capacity = capacity;
	set->slots = MemoryContextAllocExtended(GetMemoryChunkContext(old),
											sizeof(HnswIdSlot) * capacity,
											MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	set->count = 0;
	for (uint64 i = 0; i < oldcap; i++)
		if (old[i].stamp == set->generation)
			HnswIdSetAdd(set, old[i].key, old[i].value);
	pfree(old);
}

/*
 * Switch to page mode: the ids that fit move to the page bits, the rest
 * into a new hash table sized for them.
 */
static void
usePages(HnswIdSet *set)
{
	uint64		rest = 0;
	uint64		capacity = 1024;

	set->pages = MemoryContextAllocExtended(GetMemoryChunkContext(set->slots),
											sizeof(HnswIdPageBits) * set->npages,
											MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (uint64 i = 0; i < set->capacity; i++)
	{
		HnswIdPageBits *page;
		uint32		bit;

		if (set->slots[i].stamp == set->generation &&
			!idSetPageOf(set, set->slots[i].key, &page, &bit))
			rest++;
	}
	while (capacity <= rest * 2)
		capacity *= 2;
	rehashIdSet(set, capacity);
}

void
HnswIdSetClear(HnswIdSet *set)
{
	set->generation++;
	if (set->generation == 0)
	{
		if (set->slots)
			memset(set->slots, 0, sizeof(HnswIdSlot) * set->capacity);
		else
			memset(set->stamps, 0, sizeof(uint32) * set->nstamps);
		if (set->pages)
			memset(set->pages, 0, sizeof(HnswIdPageBits) * set->npages);
		set->generation = 1;
	}
	set->count = 0;
}

/*
 * Add id to a hash-mode set that has room for it (no growth here); the
 * search loop calls this directly once it has checked there is room for a
 * whole expansion, as it runs for every neighbour of every expansion.
 */
static inline bool
idSetProbeAdd(HnswIdSet *set, HnswId id, int32 value)
{
	uint64		mask = set->capacity - 1;

	for (uint64 i = hashId(id, mask);; i = (i + 1) & mask)
	{
		HnswIdSlot *slot = &set->slots[i];

		if (slot->stamp != set->generation)
		{
			slot->stamp = set->generation;
			slot->key = id;
			slot->value = value;
			set->count++;
			return true;
		}
		if (slot->key == id)
			return false;
	}
}

/* Add id; returns false if it was already present (value unchanged). */
bool
HnswIdSetAdd(HnswIdSet *set, HnswId id, int32 value)
{
	if (set->slots == NULL)
	{
		if (id >= set->nstamps)
		{
			uint64		n = Max(set->nstamps * 2, id + 1);

			set->stamps = repalloc_huge(set->stamps, sizeof(uint32) * n);
			memset(set->stamps + set->nstamps, 0,
				   sizeof(uint32) * (n - set->nstamps));
			set->nstamps = n;
		}
		if (set->stamps[id] == set->generation)
			return false;
		set->stamps[id] = set->generation;
		return true;
	}

	if (set->pages)
	{
		int			added = idSetPageAdd(set, id);

		if (added >= 0)
			return added > 0;
	}
	if (set->count * 2 >= set->capacity)
	{
		if (set->npages > 0 && set->pages == NULL &&
			set->capacity >= HNSW_IDSET_PAGES_AFTER &&
			set->npages * sizeof(HnswIdPageBits) <=
			Max(set->capacity * sizeof(HnswIdSlot) * 2, HNSW_IDSET_PAGES_MEM))
		{
			usePages(set);
			return HnswIdSetAdd(set, id, value);
		}
		rehashIdSet(set, set->capacity * 2);
	}
	return idSetProbeAdd(set, id, value);
}

/* Look id up (hash mode only carries values). */
bool
HnswIdSetGet(HnswIdSet *set, HnswId id, int32 *value)
{
	uint64		mask;
	uint64		i;

	if (set->slots == NULL)
		return id < set->nstamps && set->stamps[id] == set->generation;
	if (set->pages)
	{
		HnswIdPageBits *page;
		uint32		bit;

		if (idSetPageOf(set, id, &page, &bit))
		{
			if (value)
				*value = 0;
			return page->stamp == set->generation && (page->bits & bit);
		}
	}

	mask = set->capacity - 1;
	for (i = hashId(id, mask);; i = (i + 1) & mask)
	{
		HnswIdSlot *slot = &set->slots[i];

		if (slot->stamp != set->generation)
			return false;
		if (slot->key == id)
		{
			if (value)
				*value = slot->value;
			return true;
		}
	}
}

/*
 * Binary heaps of candidates.  The order (max or min) is a parameter that
 * the search loop passes as a constant, so that each of its heaps gets a
 * copy without the test in every comparison.
 */
static pg_attribute_always_inline bool
heapAbove(bool isMax, const HnswCand *a, const HnswCand *b)
{
	return isMax ? a->distance > b->distance : a->distance < b->distance;
}

static pg_attribute_always_inline void
heapPush(HnswCandHeap *heap, HnswCand c, bool isMax)
{
	int			i;

	if (heap->count == heap->capacity)
	{
		heap->capacity = Max(64, heap->capacity * 2);
		heap->items = repalloc_huge(heap->items,
									sizeof(HnswCand) * heap->capacity);
	}
	i = heap->count++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!heapAbove(isMax, &c, &heap->items[parent]))
			break;
		heap->items[i] = heap->items[parent];
		i = parent;
	}
	heap->items[i] = c;
}

static pg_attribute_always_inline HnswCand
heapPop(HnswCandHeap *heap, bool isMax)
{
	HnswCand	top = heap->items[0];
	HnswCand	last = heap->items[--heap->count];
	int			i = 0;
	int			n = heap->count;

	while (true)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && heapAbove(isMax, &heap->items[child + 1],
									   &heap->items[child]))
			child++;
		if (!heapAbove(isMax, &heap->items[child], &last))
			break;
		heap->items[i] = heap->items[child];
		i = child;
	}
	if (n > 0)
		heap->items[i] = last;
	return top;
}

void
HnswHeapPush(HnswCandHeap *heap, HnswCand c)
{
	if (heap->isMax)
		heapPush(heap, c, true);
	else
		heapPush(heap, c, false);
}

HnswCand
HnswHeapPop(HnswCandHeap *heap)
{
	return heap->isMax ? heapPop(heap, true) : heapPop(heap, false);
}

/*
 * Set up a search.  dense > 0 means ids are small integers below about that
 * (in-memory build).  Memory in the current context, kept across layers.
 */
void
HnswSearchInit(HnswSearch *s, const HnswGraphOps *ops, void *arg, int m,
			   uint64 dense)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->arg = arg;
	s->m = m;
	HnswIdSetInit(&s->visited, dense);
	s->candidates.isMax = false;
	s->results.isMax = true;
	s->discarded.isMax = false;

	/*
	 * Allocate now, in the caller's context: growth uses repalloc, which
	 * stays in it, whatever context is current during the search (the build
	 * runs in a per-tuple context that is reset after each tuple).
	 */
	s->candidates.capacity = s->results.capacity = s->discarded.capacity = 64;
	s->candidates.items = palloc(sizeof(HnswCand) * 64);
	s->results.items = palloc(sizeof(HnswCand) * 64);
	s->discarded.items = palloc(sizeof(HnswCand) * 64);
	s->nbrbuf = palloc(sizeof(HnswId) * 2 * m);
	s->distbuf = palloc(sizeof(float) * 2 * m);
}

/*
 * Start a layer search from entries whose distances are known: clears the
 * visited set and the heaps.
 */
void
HnswSearchStart(HnswSearch *s, HnswCand *entries, int n)
{
	HnswIdSetClear(&s->visited);
	s->candidates.count = 0;
	s->results.count = 0;
	s->discarded.count = 0;
	for (int i = 0; i < n; i++)
	{
		HnswIdSetAdd(&s->visited, entries[i].id, 0);
		HnswHeapPush(&s->candidates, entries[i]);
		HnswHeapPush(&s->results, entries[i]);
	}
}

/* Put a result that fell out of the ef best where a later round finds it. */
static inline void
discard(HnswSearch *s, HnswCand c)
{
	if (s->keepDiscarded)
		heapPush(&s->discarded, c, false);
}

/*
 * Alg. 2: expand the nearest candidate until it is farther than the farthest
 * of the ef results.  Results stay in s->results.
 */
void
HnswSearchLayer(HnswSearch *s, int ef, int layer)
{
	HnswCandHeap *cands = &s->candidates;
	HnswCandHeap *res = &s->results;
	HnswIdSet  *visited = &s->visited;

	Assert(!cands->isMax && res->isMax);
	while (res->count > ef)
		discard(s, heapPop(res, true));

	while (cands->count > 0)
	{
		HnswCand	c = heapPop(cands, false);
		int			n;
		int			nnew;

		if (res->count >= ef && c.distance > res->items[0].distance)
			break;

		CHECK_FOR_INTERRUPTS();

		/*
		 * The next element to expand is most often the one now on top:
		 * start loading its list, which arrives while this one's
		 * neighbours are measured.
		 */
		if (s->ops->prefetchList && cands->count > 0)
			s->ops->prefetchList(s->arg, cands->items[0].id, layer);
		n = s->ops->neighbors(s->arg, c.id, layer, s->nbrbuf);

		/*
		 * Keep the unvisited neighbours and measure them in one call, so
		 * that the accessor can start loading all of them before it waits
		 * on the first (hnswlib prefetches the same way).  A hash-mode set
		 * with room for all of them is probed inline.
		 */
		nnew = 0;
		if (visited->pages != NULL)
		{
			for (int i = 0; i < n; i++)
			{
				int			added = idSetPageAdd(visited, s->nbrbuf[i]);

				if (added > 0 ||
					(added < 0 && HnswIdSetAdd(visited, s->nbrbuf[i], 0)))
					s->nbrbuf[nnew++] = s->nbrbuf[i];
			}
		}
		else if (visited->slots != NULL &&
				 (visited->count + n) * 2 < visited->capacity)
		{
			for (int i = 0; i < n; i++)
				if (idSetProbeAdd(visited, s->nbrbuf[i], 0))
					s->nbrbuf[nnew++] = s->nbrbuf[i];
		}
		else if (visited->slots == NULL)
		{
			/*
			 * dense (a build's arena indexes): stamps probed inline too,
			 * after all of them were asked for, as they lie far apart
			 */
			for (int i = 0; i < n; i++)
				if (s->nbrbuf[i] < visited->nstamps)
					__builtin_prefetch(&visited->stamps[s->nbrbuf[i]], 1);
			for (int i = 0; i < n; i++)
			{
				HnswId		id = s->nbrbuf[i];

				if (id < visited->nstamps)
				{
					if (visited->stamps[id] == visited->generation)
						continue;
					visited->stamps[id] = visited->generation;
				}
				else if (!HnswIdSetAdd(visited, id, 0))
					continue;
				s->nbrbuf[nnew++] = id;
			}
		}
		else
		{
			for (int i = 0; i < n; i++)
				if (HnswIdSetAdd(visited, s->nbrbuf[i], 0))
					s->nbrbuf[nnew++] = s->nbrbuf[i];
		}
		if (nnew > 0)
			nnew = s->ops->distances(s->arg, s->nbrbuf, s->distbuf, nnew);
		s->distanceCount += nnew;
		for (int i = 0; i < nnew; i++)
		{
			HnswCand	e;

			e.id = s->nbrbuf[i];
			e.distance = s->distbuf[i];

			if (res->count < ef || e.distance < res->items[0].distance)
			{
				heapPush(cands, e, false);
				heapPush(res, e, true);
				if (res->count > ef)
					discard(s, heapPop(res, true));
			}
			else
				discard(s, e);
		}
	}
}

/*
 * Move the results out, nearest first; returns their number.  out must have
 * room for the result count (at most ef).  The results heap is emptied.
 */
int
HnswSearchResults(HnswSearch *s, HnswCand *out)
{
	int			n = s->results.count;

	for (int i = n - 1; i >= 0; i--)
		out[i] = HnswHeapPop(&s->results);
	return n;
}

/*
 * Continue an iterative scan: the elements that fell out of the previous
 * rounds' results seed the next, which thus finds the next-nearest elements
 * (approximately) without revisiting any.  Only the ef nearest of them are
 * taken out of the discarded heap, as the round's first results and
 * candidates: a round never expands a candidate farther than its ef-th
 * result, so seeding it with all of them (as this once did) changed
 * nothing but the cost, which grew with everything discarded so far and
 * was 44% of a scan filtered down to 1% of the rows.
 */
void
HnswSearchRestart(HnswSearch *s, int ef)
{
	s->candidates.count = 0;
	s->results.count = 0;
	while (s->results.count < ef && s->discarded.count > 0)
	{
		HnswCand	c = HnswHeapPop(&s->discarded);

		HnswHeapPush(&s->candidates, c);
		HnswHeapPush(&s->results, c);
	}
}

/*
 * Greedy search (ef = 1) from fromLayer down to toLayer inclusive; returns
 * the element nearest to the query found on toLayer.
 *
 * The visited set is kept from one layer to the next (the paper, and
 * hnswlib, start each layer afresh).  An element measured on a higher layer
 * is no nearer than the element the descent carries down, since that one
 * was the nearest measured there, and a greedy search only ever moves to a
 * nearer element: so measuring it again could not change the path, and the
 * descent ends on the same element.  It saves little, as the layers share
 * few neighbours: 68.4 distances instead of 70.8 per descent (100k x 128,
 * 1000 queries, the same element reached by each).
 */
HnswCand
HnswGreedyDescend(HnswSearch *s, HnswCand entry, int fromLayer, int toLayer)
{
	HnswCand	cur = entry;

	HnswSearchStart(s, &cur, 1);
	for (int layer = fromLayer; layer >= toLayer; layer--)
	{
		if (layer < fromLayer)
		{
			s->candidates.count = 0;
			s->results.count = 0;
			s->discarded.count = 0;
			HnswHeapPush(&s->candidates, cur);
			HnswHeapPush(&s->results, cur);
		}
		HnswSearchLayer(s, 1, layer);
		HnswSearchResults(s, &cur);
	}
	return cur;
}

static int
compareCands(const void *a, const void *b)
{
	float		da = ((const HnswCand *) a)->distance;
	float		db = ((const HnswCand *) b)->distance;

	if (da < db)
		return -1;
	if (da > db)
		return 1;
	return 0;
}

void
HnswSortCands(HnswCand *cands, int n)
{
	qsort(cands, n, sizeof(HnswCand), compareCands);
}

/*
 * The first of kept[from..nkept) that rules candidate v out: is nearer to
 * it, by the factor alpha, than the base element is (at distance d); -1 if
 * none does.  *by is that distance.
 */
static int
ruledOut(HnswSupport *support, Datum v, float d, const Datum *kept,
		 int from, int nkept, float alpha, float slack, float *by)
{
	for (int j = from; j < nkept; j++)
	{
		float		dk = HnswDistance(support, v, kept[j]);

		if (dk * alpha + slack < d)
		{
			*by = dk;
			return j;
		}
	}
	return -1;
}

/* candidates whose first-pass verdict is remembered for the second */
#define SELECT_MEMO 1024

/*
 * Alg. 4 without extendCandidates and keepPrunedConnections (as hnswlib),
 * then relaxed: a first pass keeps a candidate unless a candidate kept
 * before it is nearer to it than the base element is (the paper's rule);
 * if that leaves room, a second pass goes over the candidates the first
 * dropped and keeps one unless a kept neighbour is nearer to it by the
 * factor support->pruneAlpha (hnsw.c, setPruneAlpha).  The first pass
 * keeps the spread-out neighbours that make the graph navigable; the
 * second fills the rest of the list with the nearest of the others.  A
 * single relaxed pass would fill small lists (m = 4) with near neighbours
 * only, and cut clusters apart.
 *
 * The second pass need not measure again what the first did: the kept
 * neighbours the first pass compared a candidate with before the one that
 * ruled it out did not rule it out, and cannot with alpha above 1 either;
 * the one that did is tested again at its remembered distance.
 *
 * cands must be sorted nearest first, distances to the base element.
 * Writes at most max into out, nearest first; returns the count.
 */
int
HnswSelectNeighbors(HnswSupport *support, const HnswGraphOps *ops, void *arg,
					HnswCand *cands, int n, int max, HnswCand *out)
{
	Datum		kept[2 * HNSW_MAX_M];
	int			keptAt[2 * HNSW_MAX_M];
	int16		ruledBy[SELECT_MEMO];
	float		ruledAt[SELECT_MEMO];
	int			nfirst = 0;
	int			nout;
	int			last = 0;		/* candidates the first pass looked at */

	Assert(max <= 2 * HNSW_MAX_M);
	for (; last < n && nfirst < max; last++)
	{
		Datum		v = ops->value(arg, cands[last].id);
		float		by;
		int			j = ruledOut(support, v, cands[last].distance, kept, 0,
								 nfirst, 1.0f, 0.0f, &by);

		if (j < 0)
		{
			kept[nfirst] = v;
			keptAt[nfirst++] = last;
		}
		else if (last < SELECT_MEMO)
		{
			ruledBy[last] = j;
			ruledAt[last] = by;
		}
	}

	nout = nfirst;
	if (support->pruneAlpha > 1.0f)
	{
		int			next = 0;	/* next first-pass element to skip */
		float		alpha = support->pruneAlpha;
		float		slack = support->pruneSlack;

		for (int i = 0; i < n && nout < max; i++)
		{
			Datum		v;
			int			from = 0;
			float		by;

			if (next < nfirst && keptAt[next] == i)
			{
				next++;
				continue;
			}
			if (i < last && i < SELECT_MEMO)
			{
				if (ruledAt[i] * alpha + slack < cands[i].distance)
					continue;
				from = ruledBy[i] + 1;
			}
			v = ops->value(arg, cands[i].id);
			if (ruledOut(support, v, cands[i].distance, kept, from, nout,
						 alpha, slack, &by) < 0)
			{
				kept[nout] = v;
				keptAt[nout++] = i;
			}
		}
	}

	/* both passes kept candidates in order: merge them, nearest first */
	for (int i = 0, a = 0, b = nfirst; i < nout; i++)
	{
		if (b == nout || (a < nfirst && keptAt[a] < keptAt[b]))
			out[i] = cands[keptAt[a++]];
		else
			out[i] = cands[keptAt[b++]];
	}
	return nout;
}
