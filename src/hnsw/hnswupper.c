/*-------------------------------------------------------------------------
 *
 * hnswupper.c
 *	  A backend's copy of the upper layers of an index, for scans' descent.
 *
 * A scan descends greedily from the entry point to layer 1 before it
 * searches layer 0.  On a 100k x 128 index the descent measures about 86
 * elements, each on its own page, and is a third of a scan's search at
 * hnsw.ef_search 10.  The upper layers hold one element in m, so a backend
 * that scans an index many times keeps their values (vectors in half
 * precision, see makeCodes) and neighbour lists in local memory, and
 * descends through that copy, without the buffer visits.
 *
 * The copy is a hint.  It only picks the elements where the layer-0 search
 * starts, which the scan then measures on their pages; if none of those
 * slots holds an element any more, the scan descends on disk.  A copy that fell behind the
 * graph thus costs some recall, never a wrong row, and it is dropped when
 * the graph may have moved away from it: when the metapage names another
 * entry point, when a vacuum that deleted elements has counted itself in
 * the metapage (their space goes to new elements), when the index has
 * grown by an eighth since the copy was made (new elements are missing
 * from it), after HNSW_UPPER_REFRESH scans (links added by inserts are), and
 * when the relcache entry of the index is invalidated (REINDEX, TRUNCATE,
 * DROP).  The next scan makes a new one.
 *
 * A copy is made at the HNSW_UPPER_MIN_SCANS-th scan of the index in the
 * backend: making one reads every upper element, some milliseconds that
 * only a backend that goes on scanning wins back.  It takes at most
 * hnsw.upper_cache_mem: layers are copied from the top down, and the
 * lowest ones are left out when they do not fit (the descent goes on on
 * disk below the copy).  0 turns copies off.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswupper.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "distance/distance.h"
#include "miscadmin.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw/hnsw.h"
#include "type/halfvec.h"
#include "type/vector.h"

/* scans of an index in a backend before it copies the upper layers */
#define HNSW_UPPER_MIN_SCANS	1000

/* uses of a copy before it is made again */
#define HNSW_UPPER_REFRESH		(1 << 17)

/* indexes a backend keeps copies of */
#define HNSW_UPPER_INDEXES		8

/*
 * A copy.  Elements are numbered in the order the copy reached them, from
 * the top layer down, so that the elements of layer L (those of level L
 * or more) are the first count[L]; the search's ids are these numbers.
 */
typedef struct HnswUpper
{
	MemoryContext cxt;			/* holds everything below */
	/* the metapage when the copy was made */
	ItemPointerData entryPoint;
	int			entryLevel;
	uint16		vacuumCount;
	BlockNumber insertPage;
	int			lowLayer;		/* lowest layer copied, 1 or more */
	int			m;
	int			n;				/* elements */
	HnswId	   *ids;			/* element TIDs */
	Pointer    *values;			/* values, 4-byte varlena header; NULL with
								 * codes */
	uint32	   *sizes;			/* their sizes, read without a miss */
	/* vectors under a half-precision kernel: codes instead of values */
	VectorF16Kernel kernel;
	bool		negate;			/* the distance is -kernel */
	int			dim;
	int			stride;			/* uint16s from one code to the next */
	float		scale;			/* a power of two, see makeCodes */
	uint16	   *codes;
	uint16	   *queryCode;
	int32		count[HNSW_MAX_LEVEL + 1];	/* elements of each layer */
	int32	   *lists[HNSW_MAX_LEVEL + 1];	/* count[L] * m numbers, -1 after
											 * the last of a list */
	Size		size;			/* memory taken */
	uint32		uses;
	/* the search over the copy, and what its accessor needs */
	HnswSearch	search;
	HnswSupport *support;
	Datum		query;
} HnswUpper;

typedef struct HnswUpperEntry
{
	Oid			relid;			/* InvalidOid: entry unused */
	RelFileNode node;
	uint32		scans;			/* by this backend, up to the minimum */
	uint64		lastUse;		/* for eviction */
	Size		tooBig;			/* a budget too small for the top layer, or
								 * 0 */
	HnswUpper  *copy;
} HnswUpperEntry;

int			hnsw_upper_cache_mem = 8192;	/* kB */

static HnswUpperEntry upperEntries[HNSW_UPPER_INDEXES];
static uint64 upperClock;
static bool upperCallbackSet;

/* The accessor of the search over a copy (HnswGraphOps) */

static inline float
upperDistance(HnswUpper *u, HnswId id)
{
	if (u->codes)
	{
		float		d = u->kernel(u->queryCode, u->codes + id * u->stride,
								  u->dim);

		return u->negate ? -d : d;
	}
	return HnswDistance(u->support, PointerGetDatum(u->values[id]), u->query);
}

static bool
upperDistanceOne(void *arg, HnswId id, float *distance)
{
	*distance = upperDistance((HnswUpper *) arg, id);
	return true;
}

/* Prefetch every value before measuring the first, as diskDistances does. */
static int
upperDistances(void *arg, HnswId *ids, float *out, int n)
{
	HnswUpper  *u = (HnswUpper *) arg;

	for (int i = 0; i < n; i++)
	{
		char	   *p;
		char	   *end;

		if (u->codes)
		{
			p = (char *) (u->codes + ids[i] * u->stride);
			end = p + sizeof(uint16) * u->dim;
		}
		else
		{
			p = u->values[ids[i]];
			end = p + u->sizes[ids[i]];
		}
		for (; p < end; p += 64)
			__builtin_prefetch(p);
	}
	for (int i = 0; i < n; i++)
		out[i] = upperDistance(u, ids[i]);
	return n;
}

static int
upperNeighbors(void *arg, HnswId id, int layer, HnswId *out)
{
	HnswUpper  *u = (HnswUpper *) arg;
	const int32 *list;
	int			n = 0;

	Assert(layer >= u->lowLayer && id < (HnswId) u->count[layer]);
	list = u->lists[layer] + id * u->m;
	while (n < u->m && list[n] >= 0)
	{
		out[n] = list[n];
		n++;
	}
	return n;
}

/* never called: neighbour selection does not run on the copy */
static Datum
upperValue(void *arg, HnswId id)
{
	elog(ERROR, "hnsw upper layer copy has no values");
	return (Datum) 0;
}

static void
upperPrefetchList(void *arg, HnswId id, int layer)
{
	HnswUpper  *u = (HnswUpper *) arg;

	__builtin_prefetch(u->lists[layer] + id * u->m);
}

static const HnswGraphOps upperOps = {
	upperDistanceOne,
	upperNeighbors,
	upperValue,
	upperDistances,
	upperPrefetchList
};

/* Making a copy */

typedef struct UpperBuild
{
	HnswUpper  *u;
	HnswDiskGraph g;
	HnswIdSet	numbers;		/* element TID -> number */
	MemoryContext valueCxt;
	int			capacity;		/* of u->ids and u->values */
	Size		budget;
	Size		codeSize;		/* of one element's code, if codes */
} UpperBuild;

/*
 * What the copy will take once made: values stay if there will be no
 * codes; the build's own allocations are counted too.
 */
static Size
copySize(UpperBuild *b)
{
	Size		size = MemoryContextMemAllocated(b->u->cxt, true);

	if (b->codeSize > 0)
		size = size - MemoryContextMemAllocated(b->valueCxt, true) +
			b->u->n * b->codeSize;
	return size;
}

/* Number of element id, copying it if new; -1 if it vanished. */
static int32
upperNumber(UpperBuild *b, HnswId id)
{
	HnswUpper  *u = b->u;
	int32		number;
	Pointer		value;

	if (HnswIdSetGet(&b->numbers, id, &number))
		return number;
	if ((value = HnswDiskCopyValue(&b->g, id, b->valueCxt)) == NULL)
		return -1;
	if (u->n == b->capacity)
	{
		b->capacity *= 2;
		u->ids = repalloc(u->ids, sizeof(HnswId) * b->capacity);
		u->values = repalloc(u->values, sizeof(Pointer) * b->capacity);
		u->sizes = repalloc(u->sizes, sizeof(uint32) * b->capacity);
	}
	u->ids[u->n] = id;
	u->values[u->n] = value;
	u->sizes[u->n] = VARSIZE(value);
	HnswIdSetAdd(&b->numbers, id, u->n);
	return u->n++;
}

/*
 * Copy layer L: the lists of the elements copied so far, which are all of
 * level L or more, and of those the lists name, until no list names a new
 * one.  False if the copy outgrew the budget.
 */
static bool
copyLayer(UpperBuild *b, int layer)
{
	HnswUpper  *u = b->u;
	HnswId		nbrs[2 * HNSW_MAX_M];
	int			capacity = Max(u->n, 64);

	u->lists[layer] = palloc(sizeof(int32) * u->m * capacity);
	for (int i = 0; i < u->n; i++)
	{
		int			k = HnswDiskOps.neighbors(&b->g, u->ids[i], layer, nbrs);
		int32	   *list;
		int			kept = 0;

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < k; j++)
		{
			int32		number = upperNumber(b, nbrs[j]);

			if (number >= 0)
				nbrs[kept++] = number;
		}
		if (u->n > capacity)
		{
			capacity = Max(capacity * 2, u->n);
			u->lists[layer] = repalloc(u->lists[layer],
									   sizeof(int32) * u->m * capacity);
		}
		list = u->lists[layer] + (Size) i * u->m;
		for (int j = 0; j < u->m; j++)
			list[j] = j < kept ? (int32) nbrs[j] : -1;
		if (copySize(b) > b->budget)
			return false;
	}
	u->count[layer] = u->n;
	return true;
}

/*
 * Whether the copy can keep vectors as half-precision codes: the distance
 * is a float4 kernel with a half-precision twin, and all values have the
 * same dimensions (so does the query, else a disk distance raises the
 * error).  A code is half the size of the value and is read in half the
 * cache lines, which is most of the descent's time.  Rounding costs the
 * descent nothing it needs: it only chooses where the layer-0 search
 * starts, and that element is measured exactly.
 */
static VectorF16Kernel
halfKernel(HnswSupport *support, bool *negate)
{
	return support->fastDistance ?
		VectorRawF16Kernel(support->fastDistance, negate) : NULL;
}

/*
 * Half-precision code of n floats times scale, zero-padded to stride.  A
 * scan codes its query with this: converted in batches by the kernel
 * table's F16C conversion, where the scalar FloatToHalf took about 10,000
 * instructions for 128 dimensions.
 */
static void
halfCode(const float *x, int n, float scale, uint16 *code, int stride)
{
	float		buf[64];

	for (int d = 0; d < n; d += lengthof(buf))
	{
		int			m = Min(n - d, (int) lengthof(buf));

		/* only a query can leave the range (see makeCodes) */
		for (int i = 0; i < m; i++)
			buf[i] = Max(-HALF_MAX, Min(HALF_MAX, x[d + i] * scale));
		vector_kernels.f32_to_f16(buf, code + d, m);
	}
	for (int d = n; d < stride; d++)
		code[d] = 0;
}

/*
 * Replace the copy's values by codes.  The values are scaled by a power of
 * two, exactly, so that the largest magnitude is just under 2^14: half
 * precision then keeps 11 significant bits of every value down to 2^-14
 * of it, whatever the data's units, and a query up to four times larger
 * still fits.  Scaling multiplies every distance by the same factor, so the
 * descent takes the same path.
 */
static void
makeCodes(UpperBuild *b, VectorF16Kernel kernel, bool negate)
{
	HnswUpper  *u = b->u;
	float		maxabs = 0;
	int			exp;
	char	   *mem;

	u->dim = ((Vector *) u->values[0])->dim;
	for (int i = 0; i < u->n; i++)
	{
		Vector	   *v = (Vector *) u->values[i];

		if (v->dim != u->dim)
			return;
		for (int d = 0; d < v->dim; d++)
			maxabs = Max(maxabs, fabsf(v->x[d]));
	}
	(void) frexpf(maxabs, &exp);
	u->scale = ldexpf(1.0f, 14 - exp);
	if (isinf(u->scale))
		return;					/* denormal values only: keep them */
	u->stride = TYPEALIGN(32, u->dim);	/* rows of whole cache lines */
	mem = palloc(sizeof(uint16) * u->stride * u->n + 64);
	u->codes = (uint16 *) TYPEALIGN(64, mem);
	for (int i = 0; i < u->n; i++)
		halfCode(((Vector *) u->values[i])->x, u->dim, u->scale,
				 u->codes + (Size) i * u->stride, u->stride);
	u->queryCode = palloc(sizeof(uint16) * u->stride);
	u->kernel = kernel;
	u->negate = negate;
	u->values = NULL;
	MemoryContextDelete(b->valueCxt);
	b->valueCxt = NULL;
}

/*
 * Copy the upper layers of the graph whose metapage is meta, from the top
 * down while they fit in budget bytes; NULL if not even the top layer
 * does.  The copy's context is a child of the current one, so an error
 * frees it.
 */
static HnswUpper *
makeCopy(Relation index, HnswSupport *support, HnswMetaPageData *meta,
		 Size budget)
{
	MemoryContext cxt;
	MemoryContext old;
	MemoryContext tmp;
	UpperBuild	b;
	HnswUpper  *u;
	VectorF16Kernel kernel;
	bool		negate = false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw upper layers",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	u = palloc0(sizeof(HnswUpper));
	u->cxt = cxt;
	u->entryPoint = meta->entryPoint;
	u->entryLevel = meta->entryLevel;
	u->vacuumCount = meta->vacuumCount;
	u->insertPage = meta->insertPage;
	u->m = meta->m;

	/* values go one after another, not in power-of-two chunks */
	memset(&b, 0, sizeof(b));
	b.u = u;
	b.budget = budget;
	b.valueCxt = GenerationContextCreate(cxt, "hnsw upper layer values",
										 0, 64 * 1024, 1024 * 1024);
	b.capacity = 64;
	u->ids = palloc(sizeof(HnswId) * b.capacity);
	u->values = palloc(sizeof(Pointer) * b.capacity);
	u->sizes = palloc(sizeof(uint32) * b.capacity);
	tmp = AllocSetContextCreate(cxt, "hnsw upper layers build",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(tmp);
	HnswIdSetInit(&b.numbers, 0);
	HnswDiskInit(&b.g, index, support, meta->m);
	MemoryContextSwitchTo(cxt);

	u->lowLayer = meta->entryLevel + 1;
	kernel = halfKernel(support, &negate);
	if (upperNumber(&b, HnswIdFromTid(&meta->entryPoint)) == 0)
	{
		if (kernel)
			b.codeSize = sizeof(uint16) *
				TYPEALIGN(32, ((Vector *) u->values[0])->dim);
		for (int layer = meta->entryLevel; layer >= 1; layer--)
		{
			int			before = u->n;

			if (!copyLayer(&b, layer))
			{
				/* leave this layer out; its new elements came last */
				u->n = before;
				pfree(u->lists[layer]);
				u->lists[layer] = NULL;
				break;
			}
			u->lowLayer = layer;
		}
	}
	HnswDiskRelease(&b.g);
	MemoryContextDelete(tmp);

	if (u->lowLayer > meta->entryLevel)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return NULL;
	}
	if (kernel)
		makeCodes(&b, kernel, negate);
	HnswSearchInit(&u->search, &upperOps, u, u->m, u->n);
	u->size = MemoryContextMemAllocated(cxt, true);
	MemoryContextSwitchTo(old);

	/*
	 * Values the budget was counted for as codes but that makeCodes left as
	 * they were may not fit: no copy, rather than one made at every scan.
	 */
	if (u->size > budget)
	{
		MemoryContextDelete(cxt);
		return NULL;
	}
	return u;
}

/* Cache of copies */

static void
dropCopy(HnswUpperEntry *e)
{
	if (e->copy)
		MemoryContextDelete(e->copy->cxt);
	e->copy = NULL;
}

/* relcache callback: the index's copy goes with its relcache entry */
static void
upperInvalidate(Datum arg, Oid relid)
{
	for (int i = 0; i < HNSW_UPPER_INDEXES; i++)
	{
		HnswUpperEntry *e = &upperEntries[i];

		if (e->relid != InvalidOid &&
			(relid == InvalidOid || relid == e->relid))
		{
			dropCopy(e);
			e->tooBig = 0;
		}
	}
}

/* The index's entry, made (evicting the least recently used) if none. */
static HnswUpperEntry *
upperEntry(Relation index)
{
	HnswUpperEntry *victim = &upperEntries[0];
	Oid			relid = RelationGetRelid(index);

	if (!upperCallbackSet)
	{
		CacheRegisterRelcacheCallback(upperInvalidate, (Datum) 0);
		upperCallbackSet = true;
	}
	for (int i = 0; i < HNSW_UPPER_INDEXES; i++)
	{
		HnswUpperEntry *e = &upperEntries[i];

		if (e->relid == relid &&
			RelFileNodeEquals(e->node, index->rd_node))
			return e;
		if (e->lastUse < victim->lastUse)
			victim = e;
	}
	dropCopy(victim);
	memset(victim, 0, sizeof(*victim));
	victim->relid = relid;
	victim->node = index->rd_node;
	return victim;
}

/* Whether the copy may still stand for the graph whose metapage is meta */
static bool
copyCurrent(HnswUpper *u, HnswMetaPageData *meta, Size budget)
{
	return ItemPointerEquals(&u->entryPoint, &meta->entryPoint) &&
		u->entryLevel == meta->entryLevel &&
		u->vacuumCount == meta->vacuumCount &&
		(meta->insertPage == InvalidBlockNumber ||
		 meta->insertPage <= u->insertPage + u->insertPage / 8) &&
		u->uses < HNSW_UPPER_REFRESH &&
		u->size <= budget;
}

/*
 * The backend's copy of the upper layers of index, made now if it is due;
 * NULL if there is none.  meta is the metapage the scan read.
 */
static HnswUpper *
upperCopy(Relation index, HnswSupport *support, HnswMetaPageData *meta)
{
	HnswUpperEntry *e;
	Size		budget = (Size) hnsw_upper_cache_mem * 1024;

	if (meta->entryLevel < 1)
		return NULL;
	e = upperEntry(index);
	e->lastUse = ++upperClock;
	if (e->copy && !copyCurrent(e->copy, meta, budget))
	{
		dropCopy(e);
		e->tooBig = 0;
	}
	if (e->copy == NULL)
	{
		if (e->scans < HNSW_UPPER_MIN_SCANS)
			e->scans++;
		if (e->scans < HNSW_UPPER_MIN_SCANS ||
			budget <= e->tooBig)
			return NULL;
		e->copy = makeCopy(index, support, meta, budget);
		if (e->copy == NULL)
		{
			e->tooBig = budget;
			return NULL;
		}
		MemoryContextSetParent(e->copy->cxt, TopMemoryContext);
		ereport(DEBUG1,
				(errmsg_internal("hnsw index \"%s\": copied layers %d to %d, %d elements, %zu kB",
								 RelationGetRelationName(index),
								 e->copy->lowLayer, e->copy->entryLevel,
								 e->copy->n, e->copy->size / 1024)));
	}
	e->copy->uses++;
	return e->copy;
}

/*
 * Descent from the entry point through the backend's copy of the upper
 * layers, if it has one: greedy down to the layer above the lowest one
 * copied, then a search with ef = max on that one.  *layer is that layer,
 * and result[] gets the elements nearest to query found on it, nearest
 * first; returns their number, 0 if there is no copy.
 */
int
HnswUpperDescend(Relation index, HnswSupport *support, HnswMetaPageData *meta,
				 Datum query, HnswId *result, int max, int *layer)
{
	HnswUpper  *u = upperCopy(index, support, meta);
	HnswCand	entry;
	HnswCand   *found;
	int			n;

	if (u == NULL)
		return 0;
	if (u->codes)
	{
		Vector	   *q = (Vector *) DatumGetPointer(query);

		if (q->dim != u->dim)
			return 0;
		halfCode(q->x, u->dim, u->scale, u->queryCode, u->stride);
	}
	u->support = support;
	u->query = query;
	entry.id = 0;
	entry.distance = upperDistance(u, 0);
	if (u->entryLevel > u->lowLayer)
		entry = HnswGreedyDescend(&u->search, entry, u->entryLevel,
								  u->lowLayer + 1);
	HnswSearchStart(&u->search, &entry, 1);
	HnswSearchLayer(&u->search, max, u->lowLayer);
	found = palloc(sizeof(HnswCand) * max);
	n = HnswSearchResults(&u->search, found);
	for (int i = 0; i < n; i++)
		result[i] = u->ids[found[i].id];
	pfree(found);
	*layer = u->lowLayer;
	return n;
}
