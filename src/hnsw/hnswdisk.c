/*-------------------------------------------------------------------------
 *
 * hnswdisk.c
 *	  The on-disk element accessor used by scans, inserts and vacuum.
 *
 * Implements HnswGraphOps over element pages.  A distance is measured on
 * the page without copying the value, most often with neither pin nor lock
 * (peekDistance), and a neighbour list is read under a share lock without
 * a pin (neighborsUnpinned); otherwise, and for everything else, each call
 * pins the element's page (keeping the pin when the next element is on the
 * same page) and takes a share lock only while it reads.  Neighbour TIDs are
 * read straight out of the element tuple.  Values are copied only for
 * neighbour selection, once per element per operation.
 *
 * Elements may change between calls (see README, Locking): a slot that no
 * longer holds an element, or holds a deleted one, is skipped.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswdisk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"
#include "type/vector.h"

/*
 * Per-backend memory of which shared buffer last held each index page, in
 * rd_amcache (one chunk, freed by the relcache on invalidation).  A search
 * touches pages in random order, and the buffer mapping lookup is a good
 * part of each visit; ReadRecentBuffer pins the remembered buffer if it
 * still holds the page (it checks the tag), else we look it up.  A stale
 * entry thus costs a failed check, never a wrong page.
 *
 * The map has a power-of-two number of entries, grown with the index up
 * to HNSW_RECENT_MAX_ENTRIES; a bigger index (past 8 GB) shares entries
 * between blocks, block number modulo the size.  Two hot pages that share
 * an entry take turns in it, each turn a failed check, so a large index
 * still finds most of its cached pages without the mapping lookup.
 */
typedef struct HnswRecentBuffers
{
	/* canPeek's decision for the index, made once: 0 until then */
	int8		peek;
	bool		peekNegate;
	VectorF32Kernel peekKernel;
	BlockNumber nblocks;		/* index size last seen (HnswDiskSize) */
	BlockNumber mask;			/* entries in bufs, minus one */
	Buffer		bufs[FLEXIBLE_ARRAY_MEMBER];
} HnswRecentBuffers;

/* Set up an accessor; query is set by the caller before searching. */
void
HnswDiskInit(HnswDiskGraph *g, Relation index, HnswSupport *support, int m)
{
	BufferTag	tag;

	StaticAssertStmt(offsetof(BufferTag, blockNum) == sizeof(g->tagWords),
					 "a buffer tag must start with the relation and fork in two words");
	memset(g, 0, sizeof(*g));
	g->index = index;
	memset(&tag, 0, sizeof(tag));
	tag.rnode = index->rd_node;
	tag.forkNum = MAIN_FORKNUM;
	memcpy(g->tagWords, &tag, sizeof(g->tagWords));
	g->support = support;
	g->m = m;
	for (int level = 0; level <= HNSW_MAX_LEVEL; level++)
		g->valueOffs[level] = HNSW_VALUE_OFFSET(m, level);
	g->buf = InvalidBuffer;
	if (index->rd_amcache != NULL)
		g->nblocks = ((HnswRecentBuffers *) index->rd_amcache)->nblocks;
	/* valueMap is set up by the first HnswDiskLoadValue: scans need none */
}

/*
 * The index's size now, also kept in the recent-buffer map as the size the
 * next accessor starts from (HnswDiskInit).  g->nblocks bounds the blocks
 * a neighbour may name, and is brought up to date when one names a block
 * past it; starting from the size last seen rather than from zero saves a
 * scan the storage manager's size query, a system call, before its first
 * page.  The index never shrinks while the map lives: vacuum does not
 * truncate it, and what does (TRUNCATE, REINDEX) invalidates the relcache
 * entry, which frees the map.
 */
BlockNumber
HnswDiskSize(HnswDiskGraph *g)
{
	HnswRecentBuffers *rb;

	g->nblocks = RelationGetNumberOfBlocks(g->index);
	rb = (HnswRecentBuffers *) g->index->rd_amcache;
	if (rb != NULL)
		rb->nblocks = Max(rb->nblocks, g->nblocks);
	return g->nblocks;
}

/* Drop the pin kept between calls. */
void
HnswDiskRelease(HnswDiskGraph *g)
{
	if (BufferIsValid(g->buf))
		ReleaseBuffer(g->buf);
	g->buf = InvalidBuffer;
}

#define HNSW_RECENT_MAX_ENTRIES	(1 << 20)	/* 4 MB per index, at 8 GB */

/* The entry of blkno's page */
static inline Buffer *
recentEntry(HnswRecentBuffers *rb, BlockNumber blkno)
{
	return &rb->bufs[blkno & rb->mask];
}

static HnswRecentBuffers *
recentBuffers(Relation index, BlockNumber blkno)
{
	HnswRecentBuffers *rb = (HnswRecentBuffers *) index->rd_amcache;
	HnswRecentBuffers *old;
	uint64		want;
	BlockNumber n = 1024;

	if (rb && (blkno <= rb->mask || rb->mask == HNSW_RECENT_MAX_ENTRIES - 1))
		return rb;
	want = (uint64) Max(blkno + 1, RelationGetNumberOfBlocks(index)) * 5 / 4 + 64;
	while (n < want && n < HNSW_RECENT_MAX_ENTRIES)
		n *= 2;
	old = rb;
	rb = MemoryContextAllocZero(index->rd_indexcxt,
								offsetof(HnswRecentBuffers, bufs) +
								sizeof(Buffer) * n);
	if (old)
	{
		rb->peek = old->peek;
		rb->peekNegate = old->peekNegate;
		rb->peekKernel = old->peekKernel;
		rb->nblocks = old->nblocks;
		pfree(old);
	}
	rb->mask = n - 1;
	index->rd_amcache = rb;
	return rb;
}

/*
 * The metapage's buffer, pinned, found through the map as element pages
 * are (HnswDiskPin): every scan reads the metapage once, and the buffer
 * mapping lookup is most of the cost of that read.
 */
Buffer
HnswReadMetaBuffer(Relation index)
{
	Buffer	   *entry = recentEntry(recentBuffers(index, HNSW_METAPAGE_BLKNO),
									HNSW_METAPAGE_BLKNO);

	if (BufferIsValid(*entry) &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, HNSW_METAPAGE_BLKNO,
						 *entry))
		return *entry;
	*entry = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	return *entry;
}

/* Pinned (not locked) buffer of blkno; the pin is the accessor's. */
Buffer
HnswDiskPin(HnswDiskGraph *g, BlockNumber blkno)
{
	Buffer	   *entry;

	if (BufferIsValid(g->buf) && BufferGetBlockNumber(g->buf) == blkno)
		return g->buf;
	if (BufferIsValid(g->buf))
		ReleaseBuffer(g->buf);
	g->buf = InvalidBuffer;
	if (blkno == HNSW_METAPAGE_BLKNO || blkno >= g->nblocks)
		HnswCheckElementPage(g, blkno, InvalidBuffer);

	/*
	 * A page pinned through the mapping lookup also has its special space
	 * checked (HnswCheckElementPage), a cache miss at the far end of the
	 * page: at every visit the two cost more than the search itself.  The
	 * accessor reads through the default strategy, VACUUM's searches too:
	 * they jump around the whole index, and a ring's few buffers would
	 * lose each page before the next visit.
	 */
	entry = recentEntry(recentBuffers(g->index, blkno), blkno);
	if (BufferIsValid(*entry) &&
		ReadRecentBuffer(g->index->rd_node, MAIN_FORKNUM, blkno, *entry))
	{
		g->buf = *entry;
		return g->buf;
	}
	g->buf = ReadBuffer(g->index, blkno);
	HnswCheckElementPage(g, blkno, g->buf);
	*entry = g->buf;
	return g->buf;
}

/* see peekQuery */
typedef struct HnswPeekQuery
{
	Pointer		query;
	Size		size;
	uint64		head;
	int			dims;
} HnswPeekQuery;

/*
 * Whether desc holds block blkno of the index, valid and not being changed
 * by the buffer manager.  Read without the header lock: a tag is only
 * replaced under it, with BM_VALID cleared in the same step, so a torn
 * read fails the comparison rather than passing it.  The relation and fork
 * are compared as the two words HnswDiskInit took from a tag of the index:
 * this runs twice per element a search measures.
 */
static inline bool
bufferHolds(BufferDesc *desc, HnswDiskGraph *g, BlockNumber blkno,
			uint32 *state)
{
	uint64		words[2];

	*state = pg_atomic_read_u32(&desc->state);
	memcpy(words, &desc->tag, sizeof(words));
	return (*state & (BM_VALID | BM_LOCKED)) == BM_VALID &&
		desc->tag.blockNum == blkno &&
		words[0] == g->tagWords[0] && words[1] == g->tagWords[1];
}

/*
 * The buffer that the recent-buffer map gives for id's page, unchecked: it
 * may hold another page or none.  InvalidBuffer when the map has no entry,
 * or when id's offset is one whose line pointer would lie outside the
 * block (whatever pd_lower says), so that every read the callers make
 * through it stays inside the buffer pool.  The page's address comes from
 * the buffer number alone: reading it from the descriptor would wait for
 * the descriptor's line, a miss at most visits.
 */
static inline Buffer
recentBuffer(HnswRecentBuffers *rb, HnswId id)
{
	OffsetNumber off = HnswIdGetOffset(id);
	Buffer		buf;

	if (off < FirstOffsetNumber ||
		off > (BLCKSZ - SizeOfPageHeaderData) / sizeof(ItemIdData))
		return InvalidBuffer;
	buf = *recentEntry(rb, HnswIdGetBlock(id));
	if (buf <= 0 || buf > NBuffers)
		return InvalidBuffer;
	return buf;
}

/*
 * The descriptor of the buffer that the recent-buffer map gives for id's
 * page, if it holds that page now (bufferHolds); else NULL.  The start of
 * the unpinned reads below, which all check the descriptor again at the
 * end.
 */
static inline BufferDesc *
unpinnedBuffer(HnswDiskGraph *g, HnswId id, uint32 *state)
{
	HnswRecentBuffers *rb = (HnswRecentBuffers *) g->index->rd_amcache;
	Buffer		buf;
	BufferDesc *desc;

	if (rb == NULL || (buf = recentBuffer(rb, id)) == InvalidBuffer)
		return NULL;
	desc = GetBufferDescriptor(buf - 1);
	if (!bufferHolds(desc, g, HnswIdGetBlock(id), state))
		return NULL;
	pg_read_barrier();
	return desc;
}

/*
 * The line pointer at off on a page read without a pin, if it is a normal
 * one whose tuple lies inside the block, before the special space: its
 * tuple's start and length.  The checks every unpinned read of an element
 * starts with; raises no error, as the page may be changing.
 */
static inline bool
unpinnedItem(Page page, OffsetNumber off, Size *start, Size *len)
{
	ItemId		itemid;

	/* off <= PageGetMaxOffsetNumber(page), in one comparison */
	if (SizeOfPageHeaderData + off * sizeof(ItemIdData) >
		((PageHeader) page)->pd_lower)
		return false;
	itemid = PageGetItemId(page, off);
	*start = ItemIdGetOffset(itemid);
	*len = ItemIdGetLength(itemid);
	return ItemIdIsNormal(itemid) &&
		*start + *len <= BLCKSZ - sizeof(HnswPageOpaqueData);
}

/*
 * The element tuple at off on a page read without a pin, if it passes
 * the checks of HnswDiskElement that keep the reads inside the block (the
 * line pointer, the level, the slots of that level); else NULL.  *len is
 * the tuple's length.
 */
static inline HnswElementTuple
unpinnedElement(HnswDiskGraph *g, Page page, OffsetNumber off, Size *len)
{
	Size		start;
	HnswElementTuple tup;

	if (!unpinnedItem(page, off, &start, len) ||
		*len < offsetof(HnswElementTupleData, slots))
		return NULL;
	tup = (HnswElementTuple) ((char *) page + start);
	if (tup->level > HNSW_MAX_LEVEL || *len < g->valueOffs[tup->level])
		return NULL;
	return tup;
}

/*
 * The value of size bytes of the element at off on a page read without a
 * pin, found from the line pointer alone; NULL if the line pointer is not
 * that of an element of some level whose value has that size.  *tup is the
 * element.  A tuple's length fixes its level (the value's offset is the
 * length less the value's size, and each level has its own offset), so the
 * element's first line, with its level, is not read here.
 */
static inline Pointer
unpinnedValue(HnswDiskGraph *g, Page page, OffsetNumber off, Size size,
			  HnswElementTuple *tup)
{
	Size		start;
	Size		len;
	Size		valueOff;
	int			level = 0;

	if (!unpinnedItem(page, off, &start, &len) ||
		len < g->valueOffs[0] + size)
		return NULL;
	valueOff = len - size;
	while (g->valueOffs[level] < valueOff && level < HNSW_MAX_LEVEL)
		level++;
	if (g->valueOffs[level] != valueOff)
		return NULL;
	*tup = (HnswElementTuple) ((char *) page + start);
	return (Pointer) *tup + valueOff;
}

/*
 * The distance from the query to an element's value, measured on its page
 * without a pin or a content lock; false to take the locked path instead.
 * desc is the descriptor of the buffer the recent-buffer map gives for the
 * element's page (recentBuffer), not yet checked.
 *
 * A visit through the buffer manager costs about 600 instructions (pin,
 * share lock, unlock, unpin, each with its atomic operation and resource
 * owner bookkeeping) against about 100 for the distance, and a scan visits
 * a few hundred elements.  So, like a seqlock reader, this finds the page
 * through the recent-buffer map, checks that the buffer holds it and is
 * valid, measures, and checks the buffer again.  What it may see:
 *
 * - The buffer was evicted or reused meanwhile: the second check fails
 *   (the tag changes, or BM_VALID is cleared while a read is in progress).
 *   Evicted and read back in between the checks would be the same page.
 * - A concurrent writer changed the page: neighbour lists and heap TIDs
 *   are rewritten in place and never move the value; only an insert that
 *   takes over a deleted element's space (same size) rewrites a value.
 *   The distance may then mix two values.
 *
 * Shared buffers are always mapped, every read is bounded to the block, and
 * the kernel reads no more than the size fixes (HnswDiskCanPeek: the first
 * 8 bytes of vector, halfvec and bit hold the size and the dimension count,
 * and must equal the query's), so garbage can only give a wrong distance,
 * never a crash or an error.  A wrong distance can only steer the search;
 * the scan measures each element again under the lock before it returns
 * its rows (hnswscan.c), so what it returns, and in what order, is as exact
 * as the locked path's.  Elements that fail a check, and pages not in the
 * map, take the locked path, which also raises the corruption errors; so do
 * deleted elements, except in a scan (peekDeleted).  A scan measures them
 * like any other, which spares it the element's first line, with the
 * deleted flag, at every visit: 3-4% of its time at ef_search 10 to 40.
 * Vacuum marks an element deleted only once no list links to it, so a scan
 * reaches one only through a list it read before, as it may reach an
 * element deleted after it measured it (README, Locking); its value is
 * intact until an insert takes its space over (above).  The scan then
 * finds no neighbours in it (vacuum cleared them, and lists are read under
 * the lock) and no heap TID (the locked measure refuses it).  Inserts and
 * vacuum must not link to a deleted element, so their peeks refuse it.
 *
 * The page's usage count is raised when it has dropped to zero, as a pin
 * would, so that a page the searches only ever peek at does not look
 * unused to the clock sweep.  One attempt; losing the race is harmless.
 */
static pg_attribute_always_inline bool
peekDistance(HnswDiskGraph *g, const HnswPeekQuery *pq, BufferDesc *desc,
			 Page page, HnswId id, float *distance)
{
	uint32		state;
	HnswElementTuple tup;
	Pointer		value;
	uint64		head;
	float		d;

	if (!bufferHolds(desc, g, HnswIdGetBlock(id), &state))
		return false;
	pg_read_barrier();

	value = unpinnedValue(g, page, HnswIdGetOffset(id), pq->size, &tup);
	if (value == NULL || (!g->peekDeleted && tup->deleted))
		return false;
	memcpy(&head, value, sizeof(head));
	if (head != pq->head)
		return false;

	if (g->peekKernel)
	{
		d = g->peekKernel((const float *) (value + HNSW_PEEK_HEADER),
						  (const float *) (pq->query + HNSW_PEEK_HEADER),
						  pq->dims);
		if (g->peekNegate)
			d = -d;
	}
	else
		d = HnswDistance(g->support, PointerGetDatum(value), g->query);

	pg_read_barrier();
	if (!bufferHolds(desc, g, HnswIdGetBlock(id), &state))
		return false;
	if (BUF_STATE_GET_USAGECOUNT(state) == 0)
		pg_atomic_compare_exchange_u32(&desc->state, &state,
									   state + BUF_USAGECOUNT_ONE);
	*distance = d;
	return true;
}

/*
 * What the peeks of one call compare against: the query's size and first 8
 * bytes, which an element's value must repeat.  false if the query is not
 * a plain 4-byte-header varlena (peeks then stay off for this call).
 */
static inline bool
peekQuery(HnswDiskGraph *g, HnswPeekQuery *pq)
{
	pq->query = DatumGetPointer(g->query);
	if (!VARATT_IS_4B_U(pq->query))
		return false;
	pq->size = VARSIZE(pq->query);
	memcpy(&pq->head, pq->query, sizeof(pq->head));
	/* a vector's dimensions, for the float4 kernel (peekKernel) */
	pq->dims = ((Vector *) pq->query)->dim;
	return true;
}

/*
 * Whether this accessor may peek (see above).  Decided once per index and
 * kept in the recent-buffer map: the decision takes catalog lookups, which
 * cost a scan as much as a few distances.  No peeks while the index has
 * no map (a relcache invalidation frees it; the next pin makes a new one).
 */
static inline bool
canPeek(HnswDiskGraph *g)
{
	HnswRecentBuffers *rb = (HnswRecentBuffers *) g->index->rd_amcache;

	if (g->peek != 0 || rb == NULL)
		return g->peek > 0 && rb != NULL;
	if (rb->peek == 0)
	{
		int8		peek = HnswDiskCanPeek(g) ? 1 : -1;
		bool		negate = false;
		VectorF32Kernel kernel = NULL;

		if (peek > 0 && HnswDiskPeekVector(g))
			kernel = VectorRawF32Kernel(g->support->fastDistance, &negate);

		/*
		 * A catalog lookup may process a relcache invalidation, which frees
		 * rd_amcache: read it again.
		 */
		g->peek = peek;
		g->peekKernel = kernel;
		g->peekNegate = negate;
		rb = (HnswRecentBuffers *) g->index->rd_amcache;
		if (rb != NULL)
		{
			rb->peek = peek;
			rb->peekKernel = kernel;
			rb->peekNegate = negate;
		}
		return peek > 0 && rb != NULL;
	}
	g->peek = rb->peek;
	g->peekKernel = rb->peekKernel;
	g->peekNegate = rb->peekNegate;
	return g->peek > 0;
}

/* The distance under a share lock on the pinned page. */
static bool
lockedDistance(HnswDiskGraph *g, HnswId id, float *distance)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	HnswElementTuple tup;
	bool		found = false;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswDiskElement(g, buf, id);
	if (tup && !tup->deleted)
	{
		*distance = HnswDistance(g->support,
								 PointerGetDatum(HnswElementGetValue(tup, g->m)),
								 g->query);
		found = true;
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return found;
}

static bool
diskDistance(void *arg, HnswId id, float *distance)
{
	HnswDiskGraph *g = (HnswDiskGraph *) arg;
	HnswPeekQuery pq;
	Buffer		buf;

	if (canPeek(g) && peekQuery(g, &pq) &&
		(buf = recentBuffer((HnswRecentBuffers *) g->index->rd_amcache,
							id)) != InvalidBuffer &&
		peekDistance(g, &pq, GetBufferDescriptor(buf - 1),
					 BufferGetPage(buf), id, distance))
		return true;
	return lockedDistance(g, id, distance);
}

/*
 * Distances to the neighbours of one expansion (HnswGraphOps.distances).
 *
 * A visit misses the cache three times: the buffer descriptor (which a
 * peek checks), and the page's line pointer and then the element, whose
 * address is read from the line pointer.  Measured one by one, a search
 * would wait for all three at every neighbour.  So the first pass asks for
 * the descriptors and line pointers of all of them, the second, by when
 * most have arrived, reads the line pointers and asks for the lines the
 * peek reads (the value and, except in a scan, the element's first line
 * with the deleted flag), and the third measures.  The neighbour slots
 * between them are left out: a search reads them only for the few elements
 * it expands, and they would crowd the lines it needs now out of the CPU's
 * queue of outstanding misses.
 *
 * The first two passes only give hints: the remembered buffer is read
 * without a pin or lock and may hold another page by now, and a line
 * pointer read from it is only used as an address to prefetch.  The value
 * is assumed to follow a layer-0 element header, as almost all do.  The
 * third pass checks everything (peekDistance) and measures under the lock
 * what it cannot peek at.  One call per expansion also keeps what the
 * checks compare against (peekQuery) out of the per-element work.
 */
static int
diskDistances(void *arg, HnswId *ids, float *out, int n)
{
	HnswDiskGraph *g = (HnswDiskGraph *) arg;
	HnswRecentBuffers *rb;
	HnswPeekQuery pq;
	BufferDesc *descs[2 * HNSW_MAX_M];
	Page		pages[2 * HNSW_MAX_M];
	Size		valueOff;
	int			kept = 0;

	Assert(n <= lengthof(descs));
	if (!canPeek(g) || !peekQuery(g, &pq))
	{
		for (int i = 0; i < n; i++)
			if (lockedDistance(g, ids[i], &out[kept]))
				ids[kept++] = ids[i];
		return kept;
	}
	rb = (HnswRecentBuffers *) g->index->rd_amcache;
	valueOff = g->valueOffs[0];

	for (int i = 0; i < n; i++)
	{
		Buffer		buf = recentBuffer(rb, ids[i]);

		if (buf == InvalidBuffer)
		{
			descs[i] = NULL;
			continue;
		}
		descs[i] = GetBufferDescriptor(buf - 1);
		pages[i] = BufferGetPage(buf);
		__builtin_prefetch(descs[i]);
		__builtin_prefetch(PageGetItemId(pages[i], HnswIdGetOffset(ids[i])));
	}

	/*
	 * A line pointer read here may be garbage: the addresses made from it
	 * may lie outside the block, or outside shared memory, which costs a
	 * useless prefetch and nothing else (prefetches never fault).  The
	 * element's lines are asked for with low temporal locality (on x86,
	 * prefetcht2: into the outer caches, not the first level): the value's
	 * took 4-6% less server CPU per query at ef_search 10 to 40 than into
	 * every level, and the header line's then 5-7% less again (A/B on one
	 * cluster, the two builds' backends taking turns).
	 */
	for (int i = 0; i < n; i++)
	{
		char	   *p;
		char	   *end;

		if (descs[i] == NULL)
			continue;
		p = (char *) pages[i] +
			ItemIdGetOffset(PageGetItemId(pages[i], HnswIdGetOffset(ids[i])));
		if (!g->peekDeleted)
			__builtin_prefetch(p, 0, 1);
		for (p += valueOff, end = p + pq.size; p < end; p += 64)
			__builtin_prefetch(p, 0, 1);
	}

	for (int i = 0; i < n; i++)
	{
		if ((descs[i] != NULL &&
			 peekDistance(g, &pq, descs[i], pages[i], ids[i], &out[kept])) ||
			lockedDistance(g, ids[i], &out[kept]))
			ids[kept++] = ids[i];
	}
	return kept;
}

/*
 * An element's neighbours at a layer, read under a share lock on its page's
 * buffer but without pinning it; -1 to take the pinned path instead.
 *
 * A pin keeps the buffer from being reused for another page; the share
 * lock keeps writers of this page out (they take it exclusively), so a
 * list read under it is never torn.  Without the pin the buffer can still
 * be evicted and read over while the lock is held (reading a page in takes
 * no content lock), so, as peekDistance, this checks the descriptor before
 * and after, reads with every offset bounded to the block and raises no
 * error: the pinned path rereads anything that fails a check (a neighbour
 * past the size last seen, too) and reports real corruption.  Saves the
 * pin and unpin, with their atomic operations and resource owner
 * bookkeeping, at each expansion: 5% of a scan's instructions.
 */
static int
neighborsUnpinned(HnswDiskGraph *g, HnswId id, int layer, HnswId *out)
{
	BufferDesc *desc;
	uint32		state;
	Size		len;
	HnswElementTuple tup;
	int			n = 0;
	int			result = -1;

	if ((desc = unpinnedBuffer(g, id, &state)) == NULL)
		return -1;
	LWLockAcquire(BufferDescriptorGetContentLock(desc), LW_SHARED);
	if (!bufferHolds(desc, g, HnswIdGetBlock(id), &state) ||
		(tup = unpinnedElement(g, BufferGetPage(BufferDescriptorGetBuffer(desc)),
								HnswIdGetOffset(id), &len)) == NULL)
		goto done;
	if (!tup->deleted && tup->level >= layer)
	{
		ItemPointer slots = tup->slots + HNSW_LAYER_START(g->m, layer);
		int			nslots = HNSW_LAYER_SLOTS(g->m, layer);

		for (; n < nslots && ItemPointerIsValid(&slots[n]); n++)
		{
			BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(&slots[n]);

			/* a block past the size last seen: let the pinned path look */
			if (blkno == HNSW_METAPAGE_BLKNO || blkno >= g->nblocks)
				goto done;
			out[n] = HnswIdFromTid(&slots[n]);
		}
	}
	pg_read_barrier();
	if (bufferHolds(desc, g, HnswIdGetBlock(id), &state))
		result = n;
done:
	LWLockRelease(BufferDescriptorGetContentLock(desc));
	return result;
}

static int
diskNeighbors(void *arg, HnswId id, int layer, HnswId *out)
{
	HnswDiskGraph *g = (HnswDiskGraph *) arg;
	Buffer		buf;
	HnswElementTuple tup;
	int			n;

	if ((n = neighborsUnpinned(g, id, layer, out)) >= 0)
		return n;
	n = 0;
	buf = HnswDiskPin(g, HnswIdGetBlock(id));

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswDiskElement(g, buf, id);
	if (tup && !tup->deleted && tup->level >= layer)
	{
		ItemPointer slots = tup->slots + HNSW_LAYER_START(g->m, layer);
		int			nslots = HNSW_LAYER_SLOTS(g->m, layer);

		for (; n < nslots && ItemPointerIsValid(&slots[n]); n++)
			out[n] = HnswIdFromTid(&slots[n]);
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return n;
}

/*
 * Start loading the neighbour slots of a layer of an element, for the
 * search's next expansion.  A hint, read as diskDistances' first passes
 * read.
 */
static void
diskPrefetchList(void *arg, HnswId id, int layer)
{
	HnswDiskGraph *g = (HnswDiskGraph *) arg;
	HnswRecentBuffers *rb = (HnswRecentBuffers *) g->index->rd_amcache;
	Buffer		buf;
	char	   *page;
	Size		start;
	Size		end;

	if (rb == NULL || (buf = recentBuffer(rb, id)) == InvalidBuffer)
		return;
	page = (char *) BufferGetPage(buf);
	start = Min((Size) ItemIdGetOffset(PageGetItemId((Page) page,
													 HnswIdGetOffset(id))),
				BLCKSZ - 1);
	__builtin_prefetch(page + start);
	start = Min(start + offsetof(HnswElementTupleData, slots) +
				sizeof(ItemPointerData) * HNSW_LAYER_START(g->m, layer),
				(Size) BLCKSZ - 1);
	end = Min(start + sizeof(ItemPointerData) * HNSW_LAYER_SLOTS(g->m, layer),
			  (Size) BLCKSZ);
	for (Size p = start; p < end; p += 64)
		__builtin_prefetch(page + p);
}

/*
 * Copy of an element's value in cxt, or NULL if its slot holds no element
 * now.  Not cached.
 */
Pointer
HnswDiskCopyValue(HnswDiskGraph *g, HnswId id, MemoryContext cxt)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	HnswElementTuple tup;
	Pointer		copy = NULL;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswDiskElement(g, buf, id);
	if (tup)
	{
		Pointer		v = HnswElementGetValue(tup, g->m);

		copy = MemoryContextAlloc(cxt, VARSIZE(v));
		memcpy(copy, v, VARSIZE(v));
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return copy;
}

/*
 * Copy of an element's value, cached for the life of the accessor (so the
 * pointer stays valid).  An element that vanished yields its last copy or,
 * if never seen, a NULL pointer that callers must not pass on: callers only
 * ask for elements the search just reached.
 */
Datum
HnswDiskLoadValue(HnswDiskGraph *g, HnswId id)
{
	int32		idx;
	Pointer		copy;

	if (g->valueMap.slots == NULL)
		HnswIdSetInit(&g->valueMap, 0);
	else if (HnswIdSetGet(&g->valueMap, id, &idx))
		return g->values[idx];

	copy = HnswDiskCopyValue(g, id, CurrentMemoryContext);
	if (copy == NULL)
		elog(ERROR, "hnsw element (%u,%u) vanished",
			 HnswIdGetBlock(id), HnswIdGetOffset(id));

	if (g->nvalues == g->capvalues)
	{
		g->capvalues = Max(64, g->capvalues * 2);
		g->values = g->values ? repalloc(g->values, sizeof(Datum) * g->capvalues)
			: palloc(sizeof(Datum) * g->capvalues);
	}
	g->values[g->nvalues] = PointerGetDatum(copy);
	HnswIdSetAdd(&g->valueMap, id, g->nvalues);
	return g->values[g->nvalues++];
}

static Datum
diskValue(void *arg, HnswId id)
{
	return HnswDiskLoadValue((HnswDiskGraph *) arg, id);
}

/*
 * Heap TIDs of a live element into out[HNSW_HEAPTIDS]; returns the count.
 * Also measures the element against the query under the same lock, into
 * *distance.
 */
int
HnswDiskHeapTids(HnswDiskGraph *g, HnswId id, ItemPointer out,
				 float *distance)
{
	Buffer		buf = HnswDiskPin(g, HnswIdGetBlock(id));
	HnswElementTuple tup;
	int			n = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswDiskElement(g, buf, id);
	if (tup && !tup->deleted)
	{
		*distance = HnswDistance(g->support,
								 PointerGetDatum(HnswElementGetValue(tup, g->m)),
								 g->query);
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
			if (ItemPointerIsValid(&tup->heaptids[i]))
				out[n++] = tup->heaptids[i];
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return n;
}

const HnswGraphOps HnswDiskOps = {
	diskDistance,
	diskNeighbors,
	diskValue,
	diskDistances,
	diskPrefetchList
};
