/*-------------------------------------------------------------------------
 *
 * hnswbuild.c
 *	  ambuild and ambuildempty of the hnsw access method.
 *
 * The graph is built in memory: one arena holds every value contiguously,
 * neighbour lists are arrays of int32 element indexes, and the search uses a
 * generation-stamped visited array.  Levels come from a PRNG with a fixed
 * seed, so the same input order and settings give the same graph.  At the
 * end the elements are laid out on pages in insertion order, neighbour
 * indexes turned into TIDs, and all pages are WAL-logged at once with
 * log_newpage_range (no per-page WAL during the build).
 *
 * If the graph outgrows maintenance_work_mem, it is written out at that
 * point and the remaining tuples go through the on-disk insert path
 * (hnswinsert.c), with a NOTICE.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"

/* seed of the level PRNG: fixed, for reproducible graphs */
#define HNSW_BUILD_SEED		UINT64CONST(0x5EED4E5753)

/* arena chunk for values and neighbour arrays */
#define HNSW_ARENA_CHUNK	(4 * 1024 * 1024)

typedef struct BuildElement
{
	Pointer		value;			/* in the arena, 4-byte varlena header */
	int32	   *nbrs;			/* per layer: count, then slots */
	ItemPointerData heaptid;
	uint8		level;
} BuildElement;

typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	HnswSupport support;
	int			m;
	int			efConstruction;
	double		ml;
	pg_prng_state prng;

	BuildElement *elements;
	int64		nelements;
	int64		capelements;
	int64		entry;			/* -1 while empty */
	int			entryLevel;

	MemoryContext graphCtx;		/* arena and element array */
	char	   *arena;
	Size		arenaFree;
	Size		memUsed;
	Size		memLimit;

	HnswSearch search;
	Datum		query;			/* value being inserted */
	HnswCand   *wbuf;			/* efConstruction results */
	HnswCand   *selbuf;			/* selected neighbours */
	HnswCand   *prunebuf;		/* 2*m + 1 candidates when pruning */

	bool		flushed;		/* graph written; continue on disk */
	double		reltuples;
	double		indtuples;
	MemoryContext tmpCtx;
} HnswBuildState;

/* offset of a layer's count in an element's nbrs array */
static inline int
layerOffset(int m, int layer)
{
	return layer == 0 ? 0 : (1 + 2 * m) + (layer - 1) * (1 + m);
}

static bool
memDistance(void *arg, HnswId id, float *distance)
{
	HnswBuildState *bs = (HnswBuildState *) arg;

	*distance = HnswDistance(&bs->support,
							 PointerGetDatum(bs->elements[id].value),
							 bs->query);
	return true;
}

static int
memNeighbors(void *arg, HnswId id, int layer, HnswId *out)
{
	HnswBuildState *bs = (HnswBuildState *) arg;
	int32	   *list = bs->elements[id].nbrs + layerOffset(bs->m, layer);
	int			n = list[0];

	for (int i = 0; i < n; i++)
		out[i] = (HnswId) list[i + 1];
	return n;
}

static Datum
memValue(void *arg, HnswId id)
{
	return PointerGetDatum(((HnswBuildState *) arg)->elements[id].value);
}

static void
memPrefetch(void *arg, HnswId id)
{
	__builtin_prefetch(((HnswBuildState *) arg)->elements[id].value);
}

static const HnswGraphOps memOps = {
	memDistance, memNeighbors, memValue, memPrefetch
};

/* Bump allocation from the arena; no per-element palloc. */
static void *
arenaAlloc(HnswBuildState *bs, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > bs->arenaFree)
	{
		/* small chunks under a small maintenance_work_mem, to honour it */
		Size		chunk = Max(Min(HNSW_ARENA_CHUNK, bs->memLimit / 8), size);

		bs->arena = MemoryContextAllocHuge(bs->graphCtx, chunk);
		bs->arenaFree = chunk;
		bs->memUsed += chunk;
	}
	p = bs->arena;
	bs->arena += size;
	bs->arenaFree -= size;
	return p;
}

/* Append an element (value copied into the arena); returns its index. */
static int64
addElement(HnswBuildState *bs, Datum value, ItemPointer heaptid, int level)
{
	BuildElement *e;
	Size		vsize = VARSIZE(DatumGetPointer(value));
	int			nints = layerOffset(bs->m, level + 1);

	if (bs->nelements == bs->capelements)
	{
		bs->capelements = Max(1024, bs->capelements * 2);
		if (bs->elements)
			bs->elements = repalloc_huge(bs->elements,
										 sizeof(BuildElement) * bs->capelements);
		else
			bs->elements = MemoryContextAllocHuge(bs->graphCtx,
												  sizeof(BuildElement) * bs->capelements);
		bs->memUsed += sizeof(BuildElement) * bs->capelements / 2;
	}
	e = &bs->elements[bs->nelements];
	e->value = arenaAlloc(bs, vsize);
	memcpy(e->value, DatumGetPointer(value), vsize);
	e->nbrs = arenaAlloc(bs, sizeof(int32) * nints);
	for (int l = 0; l <= level; l++)
		e->nbrs[layerOffset(bs->m, l)] = 0;
	e->heaptid = *heaptid;
	e->level = level;
	return bs->nelements++;
}

/*
 * Make "to" a neighbour of "from" at a layer; when the list is full, keep
 * the heuristic's choice among the old neighbours and "to" (hnswlib's
 * shrinking of connections).
 */
static void
addLink(HnswBuildState *bs, int64 from, int layer, int64 to, float distance)
{
	int32	   *list = bs->elements[from].nbrs + layerOffset(bs->m, layer);
	int			max = HNSW_LAYER_SLOTS(bs->m, layer);
	Datum		base = PointerGetDatum(bs->elements[from].value);
	HnswCand   *cands = bs->prunebuf;
	int			n;

	if (list[0] < max)
	{
		list[++list[0]] = (int32) to;
		return;
	}
	for (int i = 0; i < max; i++)
	{
		cands[i].id = list[i + 1];
		cands[i].distance =
			HnswDistance(&bs->support, base,
						 PointerGetDatum(bs->elements[list[i + 1]].value));
	}
	cands[max].id = to;
	cands[max].distance = distance;
	HnswSortCands(cands, max + 1);
	n = HnswSelectNeighbors(&bs->support, &memOps, bs, cands, max + 1, max,
							bs->selbuf);
	list[0] = n;
	for (int i = 0; i < n; i++)
		list[i + 1] = (int32) bs->selbuf[i].id;
}

/* Alg. 1 (INSERT) on the in-memory graph. */
static void
buildInsert(HnswBuildState *bs, Datum value, ItemPointer heaptid)
{
	Size		vsize = VARSIZE(DatumGetPointer(value));
	int			maxLevel = HnswMaxLevelFor(bs->m, vsize);
	int			level;
	int64		id;
	HnswCand	ep;
	int			nw;

	if (maxLevel < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row requires %zu bytes, maximum size is %zu",
						(Size) HNSW_ELEMENT_TUPLE_SIZE(bs->m, 0, vsize),
						(Size) HNSW_MAX_ELEMENT_SPACE)));

	level = HnswRandomLevel(bs->ml, pg_prng_double(&bs->prng), maxLevel);
	id = addElement(bs, value, heaptid, level);
	if (bs->entry < 0)
	{
		bs->entry = id;
		bs->entryLevel = level;
		return;
	}

	bs->query = PointerGetDatum(bs->elements[id].value);
	ep.id = bs->entry;
	memDistance(bs, ep.id, &ep.distance);
	if (bs->entryLevel > level)
		ep = HnswGreedyDescend(&bs->search, ep, bs->entryLevel, level + 1);

	bs->wbuf[0] = ep;
	nw = 1;
	for (int lc = Min(level, bs->entryLevel); lc >= 0; lc--)
	{
		int32	   *list = bs->elements[id].nbrs + layerOffset(bs->m, lc);
		int			nsel;

		HnswSearchStart(&bs->search, bs->wbuf, nw);
		HnswSearchLayer(&bs->search, bs->efConstruction, lc);
		nw = HnswSearchResults(&bs->search, bs->wbuf);
		nsel = HnswSelectNeighbors(&bs->support, &memOps, bs, bs->wbuf, nw,
								   HNSW_LAYER_SLOTS(bs->m, lc), bs->selbuf);
		list[0] = nsel;
		for (int i = 0; i < nsel; i++)
			list[i + 1] = (int32) bs->selbuf[i].id;
		/* addLink reuses selbuf, so link from the copy in list */
		for (int i = 0; i < nsel; i++)
		{
			int64		nb = list[i + 1];
			float		d = HnswDistance(&bs->support, bs->query,
										 PointerGetDatum(bs->elements[nb].value));

			addLink(bs, nb, lc, id, d);
		}
	}
	if (level > bs->entryLevel)
	{
		bs->entry = id;
		bs->entryLevel = level;
	}
}

static Size
elementTupleSize(HnswBuildState *bs, BuildElement *e)
{
	return HNSW_ELEMENT_TUPLE_SIZE(bs->m, e->level, VARSIZE(e->value));
}

/* Fill tup (zeroed, of the right size) from an in-memory element. */
static void
formElementTuple(HnswBuildState *bs, BuildElement *e, ItemPointer tids,
				 HnswElementTuple tup)
{
	tup->level = e->level;
	tup->deleted = 0;
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
		ItemPointerSetInvalid(&tup->heaptids[i]);
	tup->heaptids[0] = e->heaptid;
	for (int l = 0; l <= e->level; l++)
	{
		int32	   *list = e->nbrs + layerOffset(bs->m, l);
		ItemPointer slots = tup->slots + HNSW_LAYER_START(bs->m, l);

		for (int i = 0; i < HNSW_LAYER_SLOTS(bs->m, l); i++)
		{
			if (i < list[0])
				slots[i] = tids[list[i + 1]];
			else
				ItemPointerSetInvalid(&slots[i]);
		}
	}
	memcpy(HnswElementGetValue(tup, bs->m), e->value, VARSIZE(e->value));
}

/*
 * Write the in-memory graph to element pages after the metapage, then the
 * metapage, then WAL-log every page once.  Pages go through the buffer
 * manager; no WAL record is written until log_newpage_range.
 */
static void
writeGraph(HnswBuildState *bs)
{
	ItemPointerData *tids;
	Size		pageSpace = HNSW_MAX_ELEMENT_SPACE + sizeof(ItemIdData);
	Size		freeSpace = 0;
	BlockNumber blkno = HNSW_METAPAGE_BLKNO;
	OffsetNumber off = 0;
	char	   *scratch = palloc(BLCKSZ);
	Buffer		buf = InvalidBuffer;
	Page		page = NULL;
	Buffer		metabuf;
	HnswMetaPage meta;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_WRITE);

	/* first pass: TIDs, exactly as PageAddItem will place the tuples */
	tids = palloc_extended(sizeof(ItemPointerData) * Max(bs->nelements, 1),
						   MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < bs->nelements; i++)
	{
		Size		need = MAXALIGN(elementTupleSize(bs, &bs->elements[i])) +
			sizeof(ItemIdData);

		if (need > freeSpace)
		{
			blkno++;
			off = 0;
			freeSpace = pageSpace;
		}
		freeSpace -= need;
		ItemPointerSet(&tids[i], blkno, ++off);
	}

	/* second pass: fill the pages in block order */
	for (int64 i = 0; i < bs->nelements; i++)
	{
		BuildElement *e = &bs->elements[i];
		Size		size = elementTupleSize(bs, e);

		CHECK_FOR_INTERRUPTS();
		if (page == NULL ||
			ItemPointerGetBlockNumber(&tids[i]) != BufferGetBlockNumber(buf))
		{
			if (page)
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = ReadBufferExtended(bs->index, MAIN_FORKNUM, P_NEW,
									 RBM_NORMAL, NULL);
			Assert(BufferGetBlockNumber(buf) == ItemPointerGetBlockNumber(&tids[i]));
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			page = BufferGetPage(buf);
			HnswInitPage(page, HNSW_PAGE_ELEMENT);
		}
		memset(scratch, 0, size);
		formElementTuple(bs, e, tids, (HnswElementTuple) scratch);
		if (PageAddItem(page, (Item) scratch, size, InvalidOffsetNumber,
						false, false) != ItemPointerGetOffsetNumber(&tids[i]))
			elog(ERROR, "failed to add hnsw element to \"%s\"",
				 RelationGetRelationName(bs->index));
	}
	if (page)
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	metabuf = ReadBuffer(bs->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (bs->entry >= 0)
	{
		meta->entryPoint = tids[bs->entry];
		meta->entryLevel = bs->entryLevel;
		meta->insertPage = blkno;
	}
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	if (RelationNeedsWAL(bs->index))
		log_newpage_range(bs->index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(bs->index), true);
	pfree(tids);
	pfree(scratch);
}

/* Write out the graph and free it; later tuples are inserted on disk. */
static void
flushGraph(HnswBuildState *bs)
{
	writeGraph(bs);
	MemoryContextDelete(bs->graphCtx);
	bs->graphCtx = NULL;
	bs->elements = NULL;
	bs->flushed = true;
}

static void
buildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext oldCtx;
	Datum		value;
	bool		indexable;

	bs->reltuples++;
	if (isnull[0])
		return;

	oldCtx = MemoryContextSwitchTo(bs->tmpCtx);
	value = HnswPrepareValue(&bs->support, values[0], &indexable);
	if (indexable)
	{
		if (!bs->flushed && bs->memUsed > bs->memLimit)
		{
			ereport(NOTICE,
					(errmsg("hnsw graph no longer fits into maintenance_work_mem after %.0f tuples",
							bs->indtuples),
					 errdetail("Building will take significantly more time."),
					 errhint("Increase maintenance_work_mem to speed up builds.")));
			flushGraph(bs);
		}
		if (bs->flushed)
			HnswInsertValue(index, &bs->support, value, tid);
		else
			buildInsert(bs, value, tid);
		bs->indtuples++;
		if (((int64) bs->indtuples) % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
										 (int64) bs->indtuples);
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(bs->tmpCtx);
}

/* Reject what the index cannot hold before reading the table. */
static void
checkIndexDefinition(Relation index, int m, int efConstruction)
{
	if (TupleDescAttr(RelationGetDescr(index), 0)->atttypmod < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions")));
	if (efConstruction < 2 * m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m")));
}

/* Write an empty metapage as block 0. */
static void
createMetaPage(Relation index, ForkNumber fork, int m, int efConstruction)
{
	Buffer		buf;

	buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	Assert(BufferGetBlockNumber(buf) == HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	START_CRIT_SECTION();
	HnswInitMetaPage(BufferGetPage(buf), m, efConstruction);
	MarkBufferDirty(buf);
	if (fork == INIT_FORKNUM)
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	HnswBuildState bs;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));

	memset(&bs, 0, sizeof(bs));
	bs.heap = heap;
	bs.index = index;
	bs.m = HnswGetM(index);
	bs.efConstruction = HnswGetEfConstruction(index);
	checkIndexDefinition(index, bs.m, bs.efConstruction);
	HnswInitSupport(index, &bs.support);
	bs.ml = 1.0 / log((double) bs.m);
	pg_prng_seed(&bs.prng, HNSW_BUILD_SEED);
	bs.entry = -1;
	bs.memLimit = (Size) maintenance_work_mem * 1024;
	bs.graphCtx = AllocSetContextCreate(CurrentMemoryContext, "hnsw graph",
										ALLOCSET_DEFAULT_SIZES);
	bs.tmpCtx = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple",
									  ALLOCSET_DEFAULT_SIZES);
	HnswSearchInit(&bs.search, &memOps, &bs, bs.m, 1024);
	bs.wbuf = palloc(sizeof(HnswCand) * (bs.efConstruction + 1));
	bs.selbuf = palloc(sizeof(HnswCand) * (2 * bs.m + 1));
	bs.prunebuf = palloc(sizeof(HnswCand) * (2 * bs.m + 1));

	createMetaPage(index, MAIN_FORKNUM, bs.m, bs.efConstruction);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
	table_index_build_scan(heap, index, indexInfo, true, true,
						   buildCallback, &bs, NULL);
	if (!bs.flushed)
		flushGraph(&bs);

	MemoryContextDelete(bs.tmpCtx);
	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/* Init fork of an unlogged index: an empty metapage, WAL-logged. */
void
hnswbuildempty(Relation index)
{
	createMetaPage(index, INIT_FORKNUM, HnswGetM(index),
				   HnswGetEfConstruction(index));
}
