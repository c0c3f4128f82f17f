/*-------------------------------------------------------------------------
 *
 * hnswcheck.c
 *	  hnsw_check(regclass): verification of an hnsw index.
 *
 * Walks every page of the index and reports what does not match the format
 * of src/hnsw/README (section Verification lists each check): page ids,
 * special space and metapage fields, element tuples whose sizes, levels,
 * values or lists are inconsistent, neighbour TIDs that point to nowhere,
 * elements unreachable from the entry point, heap TIDs that name no line
 * pointer of the table, and an entry point that is missing or not on the
 * top level.  One row per problem; no rows for a healthy index.
 *
 * Read-only and lightweight: AccessShareLock on the table and the index,
 * and a share lock on one index page at a time, only long enough to copy
 * the page (or a list) into local memory; no index page is locked while a
 * heap page is read.  Nothing is written and no xid is taken, so it runs
 * on a hot standby.  Writers are not blocked, so a concurrent insert or
 * vacuum may make a check report an element that is being linked in as
 * unreachable; see README.
 *
 * Also holds HnswCheckElement, the cheap element check of the read paths.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "hnsw/hnsw.h"
#include "type/halfvec.h"
#include "type/sparsevec.h"
#include "type/vector.h"

/* rows beyond this are counted in one last row, not listed */
#define CHECK_MAX_ROWS			1000

/* unreachable elements named in the report */
#define CHECK_UNREACHABLE_SHOWN	5

/* CheckElem.flags */
#define CE_DELETED				0x01	/* marked deleted by vacuum */
#define CE_DEAD					0x02	/* no heap TID left, not yet deleted */
#define CE_REACHED				0x04	/* found by the walk from the entry */
#define CE_LISTS_CHECKED		0x08

/* how the indexed value gives its dimension count */
typedef enum CheckValueKind
{
	VALUE_OTHER,
	VALUE_VECTOR,
	VALUE_HALFVEC,
	VALUE_SPARSEVEC,
	VALUE_BIT
} CheckValueKind;

typedef struct CheckElem
{
	HnswId		id;
	uint8		level;
	uint8		flags;
} CheckElem;

/* a heap TID and the element that holds it */
typedef struct CheckHeapRef
{
	ItemPointerData heaptid;
	ItemPointerData elem;
} CheckHeapRef;

typedef struct CheckState
{
	Relation	index;
	Relation	heap;
	ReturnSetInfo *rsinfo;
	int64		nproblems;
	BlockNumber nblocks;
	HnswMetaPageData meta;
	int			m;
	CheckValueKind kind;
	int32		typmod;
	/* elements found by the page walk */
	HnswIdSet	elemSet;		/* id -> index into elems */
	CheckElem  *elems;
	int32		nelems;
	int32		capelems;
	int64		nlive;
	int			maxLevel;		/* highest level of a live element */
	HnswId		maxLevelId;
	CheckHeapRef *heaprefs;
	int64		nheaprefs;
	int64		capheaprefs;
	PGAlignedBlock page;		/* copy of the page being checked */
	ItemPointerData *slots;		/* copy of one element's slots */
} CheckState;

#define TIDFMT			"(%u,%u)"
#define TIDARGS(id)		HnswIdGetBlock(id), HnswIdGetOffset(id)

static void report(CheckState *cs, BlockNumber blkno, const char *fmt,...)
			pg_attribute_printf(3, 4);

/* Add one row, or count it once CHECK_MAX_ROWS rows are out. */
static void
report(CheckState *cs, BlockNumber blkno, const char *fmt,...)
{
	StringInfoData buf;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (cs->nproblems++ >= CHECK_MAX_ROWS)
		return;
	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	if (blkno == InvalidBlockNumber)
		nulls[0] = true;
	else
		values[0] = Int64GetDatum((int64) blkno);
	values[1] = CStringGetTextDatum(buf.data);
	tuplestore_putvalues(cs->rsinfo->setResult, cs->rsinfo->setDesc,
						 values, nulls);
	pfree(buf.data);
}

/* Copy block blkno of the index into cs->page under a share lock. */
static void
copyIndexPage(CheckState *cs, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(cs->index, blkno);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(cs->page.data, BufferGetPage(buf), BLCKSZ);
	UnlockReleaseBuffer(buf);
}

/*
 * Page header and special space of a copied page: the header's bounds,
 * the special size, the page id and the flags the block should carry.
 * Returns false (after reporting) if the page cannot be read as that kind.
 */
static bool
checkPageHead(CheckState *cs, BlockNumber blkno, Page page, uint16 flags)
{
	PageHeader	ph = (PageHeader) page;
	HnswPageOpaque opaque;

	if (ph->pd_lower < SizeOfPageHeaderData || ph->pd_lower > ph->pd_upper ||
		ph->pd_upper > ph->pd_special || ph->pd_special > BLCKSZ)
	{
		report(cs, blkno, "page header has pd_lower %u, pd_upper %u, pd_special %u",
			   ph->pd_lower, ph->pd_upper, ph->pd_special);
		return false;
	}
	if (PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)))
	{
		report(cs, blkno, "special space is %u bytes; expected %u",
			   (unsigned) PageGetSpecialSize(page),
			   (unsigned) MAXALIGN(sizeof(HnswPageOpaqueData)));
		return false;
	}
	opaque = HnswPageGetOpaque(page);
	if (opaque->page_id != HNSW_PAGE_ID)
	{
		report(cs, blkno, "page id is 0x%04X; expected 0x%04X",
			   opaque->page_id, HNSW_PAGE_ID);
		return false;
	}
	if (opaque->flags != flags)
	{
		report(cs, blkno, "page flags are 0x%04X; expected 0x%04X",
			   opaque->flags, flags);
		return false;
	}
	return true;
}

/*
 * Block 0.  Returns false if the rest of the index cannot be interpreted
 * (not a metapage, another magic or version, an m out of range).
 */
static bool
checkMetaPage(CheckState *cs)
{
	Page		page = (Page) cs->page.data;
	HnswMetaPage meta;

	copyIndexPage(cs, HNSW_METAPAGE_BLKNO);
	if (PageIsNew(page))
	{
		report(cs, HNSW_METAPAGE_BLKNO, "metapage is uninitialized");
		return false;
	}
	if (!checkPageHead(cs, HNSW_METAPAGE_BLKNO, page, HNSW_PAGE_META))
		return false;
	meta = HnswPageGetMeta(page);
	cs->meta = *meta;
	if (((PageHeader) page)->pd_lower <
		(char *) meta + sizeof(HnswMetaPageData) - (char *) page)
		report(cs, HNSW_METAPAGE_BLKNO,
			   "metapage pd_lower %u does not cover the metapage contents",
			   ((PageHeader) page)->pd_lower);
	if (meta->magic != HNSW_MAGIC_NUMBER)
	{
		report(cs, HNSW_METAPAGE_BLKNO, "metapage magic is 0x%08X; expected 0x%08X",
			   meta->magic, HNSW_MAGIC_NUMBER);
		return false;
	}
	if (meta->version != HNSW_VERSION)
	{
		report(cs, HNSW_METAPAGE_BLKNO, "metapage has version %u; expected %u",
			   meta->version, HNSW_VERSION);
		return false;
	}
	if (meta->m < HNSW_MIN_M || meta->m > HNSW_MAX_M)
	{
		report(cs, HNSW_METAPAGE_BLKNO, "metapage m is %u; the range is %d..%d",
			   meta->m, HNSW_MIN_M, HNSW_MAX_M);
		return false;
	}
	cs->m = meta->m;
	if (meta->efConstruction < HNSW_MIN_EF_CONSTRUCTION ||
		meta->efConstruction > HNSW_MAX_EF_CONSTRUCTION)
		report(cs, HNSW_METAPAGE_BLKNO,
			   "metapage ef_construction is %u; the range is %d..%d",
			   meta->efConstruction, HNSW_MIN_EF_CONSTRUCTION,
			   HNSW_MAX_EF_CONSTRUCTION);
	if (meta->entryLevel < -1 || meta->entryLevel > HNSW_MAX_LEVEL ||
		(meta->entryLevel == -1) != !ItemPointerIsValid(&meta->entryPoint))
		report(cs, HNSW_METAPAGE_BLKNO,
			   "metapage entry level %d does not match entry point (%u,%u)",
			   meta->entryLevel,
			   ItemPointerGetBlockNumberNoCheck(&meta->entryPoint),
			   ItemPointerGetOffsetNumberNoCheck(&meta->entryPoint));
	if (meta->insertPage != InvalidBlockNumber &&
		(meta->insertPage == HNSW_METAPAGE_BLKNO ||
		 meta->insertPage >= cs->nblocks))
		report(cs, HNSW_METAPAGE_BLKNO,
			   "metapage insert page %u is not an element page of the %u blocks",
			   meta->insertPage, cs->nblocks);
	return true;
}

/*
 * Which of our types typid is, to read dimension counts.  Our types live in
 * the namespace of our functions, nsp.
 */
static CheckValueKind
valueKindOf(Oid typid, Oid nsp)
{
	static const char *const names[] = {"vector", "halfvec", "sparsevec"};
	static const CheckValueKind kinds[] = {VALUE_VECTOR, VALUE_HALFVEC,
	VALUE_SPARSEVEC};

	if (typid == BITOID)
		return VALUE_BIT;
	for (int i = 0; i < lengthof(names); i++)
		if (typid == GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									 CStringGetDatum(names[i]),
									 ObjectIdGetDatum(nsp)))
			return kinds[i];
	return VALUE_OTHER;
}

static void
identifyValueKind(CheckState *cs, Oid funcOid)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(cs->index), 0);

	cs->typmod = att->atttypmod;
	cs->kind = valueKindOf(att->atttypid, get_func_namespace(funcOid));
}

/*
 * Dimension count of a stored value, or -1 if its size does not match what
 * its header says; -2 for a type we do not know.
 */
static int64
valueDims(CheckValueKind kind, Pointer v)
{
	Size		size = VARSIZE(v);

	switch (kind)
	{
		case VALUE_VECTOR:
			if (size < VECTOR_SIZE(0) ||
				size != VECTOR_SIZE(((Vector *) v)->dim))
				return -1;
			return ((Vector *) v)->dim;
		case VALUE_HALFVEC:
			if (size < HALFVEC_SIZE(0) ||
				size != HALFVEC_SIZE(((HalfVector *) v)->dim))
				return -1;
			return ((HalfVector *) v)->dim;
		case VALUE_SPARSEVEC:
			if (size < SPARSEVEC_SIZE(0) || ((SparseVector *) v)->nnz < 0 ||
				size != SPARSEVEC_SIZE((Size) ((SparseVector *) v)->nnz))
				return -1;
			return ((SparseVector *) v)->dim;
		case VALUE_BIT:
			if (size < VARBITTOTALLEN(0) || VARBITLEN(v) < 0 ||
				size != VARBITTOTALLEN((Size) VARBITLEN(v)))
				return -1;
			return VARBITLEN(v);
		case VALUE_OTHER:
			break;
	}
	return -2;
}

/* Remember an element found by the page walk. */
static void
addElem(CheckState *cs, HnswId id, int level, uint8 flags)
{
	if (cs->nelems == cs->capelems)
	{
		cs->capelems = Max(1024, cs->capelems * 2);
		cs->elems = repalloc_huge(cs->elems, sizeof(CheckElem) * cs->capelems);
	}
	cs->elems[cs->nelems].id = id;
	cs->elems[cs->nelems].level = level;
	cs->elems[cs->nelems].flags = flags;
	HnswIdSetAdd(&cs->elemSet, id, cs->nelems);
	cs->nelems++;
	if (!(flags & (CE_DELETED | CE_DEAD)))
	{
		cs->nlive++;
		if (level > cs->maxLevel)
		{
			cs->maxLevel = level;
			cs->maxLevelId = id;
		}
	}
}

static void
addHeapRef(CheckState *cs, ItemPointer heaptid, HnswId id)
{
	if (cs->nheaprefs == cs->capheaprefs)
	{
		cs->capheaprefs = Max(1024, cs->capheaprefs * 2);
		cs->heaprefs = repalloc_huge(cs->heaprefs,
									 sizeof(CheckHeapRef) * cs->capheaprefs);
	}
	cs->heaprefs[cs->nheaprefs].heaptid = *heaptid;
	ItemPointerSet(&cs->heaprefs[cs->nheaprefs].elem, HnswIdGetBlock(id),
				   HnswIdGetOffset(id));
	cs->nheaprefs++;
}

/*
 * The element tuple at off of a copied element page, or NULL after
 * reporting why there is none: a line pointer not in use or outside the
 * item space, a tuple too short for its level, a value whose size does not
 * fill the rest of the tuple.
 */
static HnswElementTuple
itemElement(CheckState *cs, BlockNumber blkno, Page page, OffsetNumber off)
{
	PageHeader	ph = (PageHeader) page;
	ItemId		itemid = PageGetItemId(page, off);
	HnswElementTuple tup;
	unsigned	len = ItemIdGetLength(itemid);
	Size		valueOff;
	Pointer		value;

	if (!ItemIdIsNormal(itemid))
	{
		report(cs, blkno, "line pointer %u is not in use (flags %u)",
			   off, ItemIdGetFlags(itemid));
		return NULL;
	}
	if (ItemIdGetOffset(itemid) < ph->pd_upper ||
		ItemIdGetOffset(itemid) != MAXALIGN(ItemIdGetOffset(itemid)) ||
		ItemIdGetOffset(itemid) + len > ph->pd_special ||
		len < offsetof(HnswElementTupleData, slots))
	{
		report(cs, blkno, "line pointer %u (offset %u, length %u) is outside the item space",
			   off, ItemIdGetOffset(itemid), len);
		return NULL;
	}
	tup = (HnswElementTuple) PageGetItem(page, itemid);
	if (tup->level > HNSW_MAX_LEVEL)
	{
		report(cs, blkno, "element (%u,%u) has level %u; the maximum is %d",
			   blkno, off, tup->level, HNSW_MAX_LEVEL);
		return NULL;
	}
	valueOff = HNSW_VALUE_OFFSET(cs->m, tup->level);
	if (valueOff + VARHDRSZ > len)
	{
		report(cs, blkno, "element (%u,%u) of level %u is %u bytes, too short for its neighbour slots",
			   blkno, off, tup->level, len);
		return NULL;
	}
	value = (Pointer) tup + valueOff;
	if (!VARATT_IS_4B_U(value) || VARSIZE(value) != len - valueOff)
	{
		report(cs, blkno, "element (%u,%u) has a value header of %u bytes but %u bytes of room",
			   blkno, off, (unsigned) VARSIZE_ANY(value), (unsigned) (len - valueOff));
		return NULL;
	}
	return tup;
}

/* Value, heap TIDs and list shapes of one element tuple. */
static void
checkElementFields(CheckState *cs, BlockNumber blkno, OffsetNumber off,
				   HnswElementTuple tup)
{
	Pointer		value = HnswElementGetValue(tup, cs->m);
	int64		dims = valueDims(cs->kind, value);
	ItemPointerData tid;
	HnswId		id;
	int			nheap = 0;
	int			nslots = 0;

	ItemPointerSet(&tid, blkno, off);
	id = HnswIdFromTid(&tid);
	if (dims == -1)
		report(cs, blkno, "element (%u,%u) has a value of %u bytes that does not match its dimension field",
			   blkno, off, (unsigned) VARSIZE(value));
	else if (dims >= 0 && cs->typmod > 0 && dims != cs->typmod)
		report(cs, blkno, "element (%u,%u) has a value of %lld dimensions; the column has %d",
			   blkno, off, (long long) dims, cs->typmod);
	if (tup->level > HnswMaxLevelFor(cs->m, VARSIZE(value)))
		report(cs, blkno, "element (%u,%u) has level %u, above the cap for its size",
			   blkno, off, tup->level);
	if (tup->deleted > 1)
		report(cs, blkno, "element (%u,%u) has deleted flag %u",
			   blkno, off, tup->deleted);

	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		if (!ItemPointerIsValid(&tup->heaptids[i]))
			continue;
		nheap++;
		if (!tup->deleted)
			addHeapRef(cs, &tup->heaptids[i], id);
	}
	for (int l = 0; l <= tup->level; l++)
	{
		ItemPointer ls = tup->slots + HNSW_LAYER_START(cs->m, l);
		bool		ended = false;

		for (int i = 0; i < HNSW_LAYER_SLOTS(cs->m, l); i++)
		{
			if (!ItemPointerIsValid(&ls[i]))
				ended = true;
			else
			{
				nslots++;
				if (ended)
				{
					report(cs, blkno, "element (%u,%u) has a neighbour list on layer %d that goes on after its end",
						   blkno, off, l);
					break;
				}
			}
		}
	}
	if (tup->deleted && (nheap > 0 || nslots > 0))
		report(cs, blkno, "deleted element (%u,%u) still has %d heap TIDs and %d neighbours",
			   blkno, off, nheap, nslots);
	addElem(cs, id, tup->level,
			tup->deleted ? CE_DELETED : (nheap == 0 ? CE_DEAD : 0));
}

/* Pass 1: every element page, in block order. */
static void
walkPages(CheckState *cs)
{
	Page		page = (Page) cs->page.data;

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < cs->nblocks;
		 blkno++)
	{
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		copyIndexPage(cs, blkno);
		/* a crash right after extending leaves a zeroed page; it is unused */
		if (PageIsNew(page))
			continue;
		if (!checkPageHead(cs, blkno, page, HNSW_PAGE_ELEMENT))
			continue;
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple tup = itemElement(cs, blkno, page, off);

			if (tup)
				checkElementFields(cs, blkno, off, tup);
		}
	}
}

/*
 * Why target, named by a list or the metapage but not found by the page
 * walk, is no element: past the end, the metapage, a page that is not an
 * element page, past its page's last item, or an item that is not an
 * element tuple.  Returns NULL, or "" if it is an element now (inserted
 * after the walk passed its page).
 */
static const char *
whyNotElement(CheckState *cs, HnswId target)
{
	BlockNumber blkno = HnswIdGetBlock(target);
	OffsetNumber off = HnswIdGetOffset(target);
	Page		page = (Page) cs->page.data;
	PageHeader	ph = (PageHeader) page;
	ItemId		itemid;

	if (blkno == HNSW_METAPAGE_BLKNO)
		return "the metapage";
	if (blkno >= cs->nblocks)
		cs->nblocks = RelationGetNumberOfBlocks(cs->index);
	if (blkno >= cs->nblocks)
		return psprintf("past the end of the index (%u blocks)", cs->nblocks);
	copyIndexPage(cs, blkno);
	if (PageIsNew(page) || PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)) ||
		ph->pd_special > BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData)) ||
		HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		!HnswPageIsElement(page))
		return "a block that is not an element page";
	/* bounds first: the item id is read from our copy of the page */
	if (ph->pd_lower < SizeOfPageHeaderData || ph->pd_lower > ph->pd_upper ||
		ph->pd_upper > ph->pd_special || off > PageGetMaxOffsetNumber(page))
		return psprintf("past the last item of its page (%u items)",
						(unsigned) PageGetMaxOffsetNumber(page));
	itemid = PageGetItemId(page, off);
	if (ItemIdIsNormal(itemid) &&
		ItemIdGetOffset(itemid) + ItemIdGetLength(itemid) <= ph->pd_special &&
		ItemIdGetLength(itemid) >= offsetof(HnswElementTupleData, slots))
	{
		/* a well-formed element now: inserted after the walk */
		return "";
	}
	return "an item that is not an element tuple";
}

/*
 * Check the lists of element idx (copied from its page now, so that they
 * are current) and, when reach is given, queue the elements they name that
 * were not reached yet.
 */
static void
checkLists(CheckState *cs, int32 idx, int32 *queue, int32 *nqueue)
{
	HnswId		id = cs->elems[idx].id;
	BlockNumber blkno = HnswIdGetBlock(id);
	Buffer		buf;
	HnswElementTuple tup;
	int			level;
	bool		live;

	cs->elems[idx].flags |= CE_LISTS_CHECKED;
	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElement(BufferGetPage(buf), HnswIdGetOffset(id));
	/* the walk vetted this tuple; a level change means its space was reused */
	if (tup == NULL || tup->level != cs->elems[idx].level)
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	level = tup->level;

	/*
	 * Only an element with a heap TID must not name a deleted one.  A dead
	 * element (no heap TID, awaiting vacuum) may: vacuum marks the dead
	 * deleted page by page, so while its last pass runs, or after a crash
	 * cut it short, a dead element on a later page can still name a dead
	 * one it has already marked.  Searches skip deleted elements, and the
	 * next vacuum marks this one deleted too.
	 */
	live = HnswElementIsLive(tup);
	memcpy(cs->slots, tup->slots,
		   sizeof(ItemPointerData) * HNSW_SLOT_COUNT(cs->m, level));
	UnlockReleaseBuffer(buf);

	for (int l = 0; l <= level; l++)
	{
		ItemPointer ls = cs->slots + HNSW_LAYER_START(cs->m, l);

		for (int i = 0; i < HNSW_LAYER_SLOTS(cs->m, l) &&
			 ItemPointerIsValid(&ls[i]); i++)
		{
			HnswId		nid = HnswIdFromTid(&ls[i]);
			int32		nidx;

			if (nid == id)
			{
				report(cs, blkno, "element " TIDFMT " links to itself on layer %d",
					   TIDARGS(id), l);
				continue;
			}
			if (!HnswIdSetGet(&cs->elemSet, nid, &nidx))
			{
				const char *why = whyNotElement(cs, nid);

				if (why[0] != '\0')
					report(cs, blkno, "element " TIDFMT " has neighbour " TIDFMT " on layer %d, which is %s",
						   TIDARGS(id), TIDARGS(nid), l, why);
				continue;
			}
			if (cs->elems[nidx].level < l)
				report(cs, blkno, "element " TIDFMT " has neighbour " TIDFMT " on layer %d, but that element has level %d",
					   TIDARGS(id), TIDARGS(nid), l, cs->elems[nidx].level);
			if (live && (cs->elems[nidx].flags & CE_DELETED))
				report(cs, blkno, "element " TIDFMT " has neighbour " TIDFMT " on layer %d, which is deleted",
					   TIDARGS(id), TIDARGS(nid), l);
			/* a search ends on layer 0: reachable means over its links */
			if (queue && l == 0 && !(cs->elems[nidx].flags & CE_REACHED))
			{
				cs->elems[nidx].flags |= CE_REACHED;
				queue[(*nqueue)++] = nidx;
			}
		}
	}
}

/* The metapage's entry point against the elements the walk found. */
static int32
checkEntryPoint(CheckState *cs)
{
	HnswMetaPageData *meta = &cs->meta;
	HnswId		ep;
	int32		idx;

	if (!ItemPointerIsValid(&meta->entryPoint))
	{
		if (cs->nlive > 0)
			report(cs, HNSW_METAPAGE_BLKNO,
				   "entry point is missing but the index has " INT64_FORMAT " live elements",
				   cs->nlive);
		return -1;
	}
	ep = HnswIdFromTid(&meta->entryPoint);
	if (!HnswIdSetGet(&cs->elemSet, ep, &idx))
	{
		const char *why = whyNotElement(cs, ep);

		if (why[0] != '\0')
			report(cs, HNSW_METAPAGE_BLKNO, "entry point " TIDFMT " is %s",
				   TIDARGS(ep), why);
		return -1;
	}
	if (cs->elems[idx].flags & CE_DELETED)
	{
		report(cs, HNSW_METAPAGE_BLKNO, "entry point " TIDFMT " is a deleted element",
			   TIDARGS(ep));
		return -1;
	}
	if (cs->elems[idx].level != meta->entryLevel)
		report(cs, HNSW_METAPAGE_BLKNO,
			   "entry point " TIDFMT " has level %d but the metapage says %d",
			   TIDARGS(ep), cs->elems[idx].level, meta->entryLevel);
	if (cs->maxLevel > meta->entryLevel)
	{
		/* an insert raising the entry point updates the metapage last */
		HnswMetaPageData now = HnswReadMeta(cs->index);

		if (cs->maxLevel > now.entryLevel)
			report(cs, HnswIdGetBlock(cs->maxLevelId),
				   "element " TIDFMT " has level %d, above the entry point's level %d",
				   TIDARGS(cs->maxLevelId), cs->maxLevel, now.entryLevel);
	}
	return idx;
}

/*
 * Pass 2: breadth-first walk over layer-0 lists from the entry point,
 * then the lists of the elements it did not reach.  Live elements with a
 * heap TID that were not reached are reported, once, with the first few.
 */
static void
walkGraph(CheckState *cs)
{
	int32	   *queue = palloc_extended(sizeof(int32) * (Size) Max(cs->nelems, 1),
										MCXT_ALLOC_HUGE);
	int32		nqueue = 0;
	int64		nunreachable = 0;
	StringInfoData shown;
	BlockNumber firstBlock = InvalidBlockNumber;
	int32		ep = checkEntryPoint(cs);

	if (ep >= 0)
	{
		cs->elems[ep].flags |= CE_REACHED;
		queue[nqueue++] = ep;
	}
	for (int32 head = 0; head < nqueue; head++)
	{
		CHECK_FOR_INTERRUPTS();
		checkLists(cs, queue[head], queue, &nqueue);
	}

	initStringInfo(&shown);
	for (int32 i = 0; i < cs->nelems; i++)
	{
		CheckElem  *e = &cs->elems[i];

		CHECK_FOR_INTERRUPTS();
		if (!(e->flags & (CE_REACHED | CE_DELETED | CE_DEAD)) && ep >= 0)
		{
			if (nunreachable++ < CHECK_UNREACHABLE_SHOWN)
			{
				if (firstBlock == InvalidBlockNumber)
					firstBlock = HnswIdGetBlock(e->id);
				appendStringInfo(&shown, "%s" TIDFMT,
								 shown.len > 0 ? ", " : "", TIDARGS(e->id));
			}
		}
		if (!(e->flags & CE_LISTS_CHECKED))
			checkLists(cs, i, NULL, NULL);
	}
	if (nunreachable > 0)
		report(cs, firstBlock,
			   INT64_FORMAT " live elements are unreachable from the entry point, among them %s",
			   nunreachable, shown.data);
	pfree(queue);
}

static int
compareHeapRefs(const void *a, const void *b)
{
	return ItemPointerCompare(&((CheckHeapRef *) a)->heaptid,
							  &((CheckHeapRef *) b)->heaptid);
}

/*
 * Pass 3: every heap TID must name a line pointer of the table.  Sorted so
 * that each heap page is read once; no index page is locked meanwhile.
 * The heap cannot be truncated under our AccessShareLock.
 */
static void
checkHeapTids(CheckState *cs)
{
	BlockNumber heapBlocks = RelationGetNumberOfBlocks(cs->heap);
	int64		i = 0;

	qsort(cs->heaprefs, cs->nheaprefs, sizeof(CheckHeapRef), compareHeapRefs);
	while (i < cs->nheaprefs)
	{
		BlockNumber hblk = ItemPointerGetBlockNumberNoCheck(&cs->heaprefs[i].heaptid);
		OffsetNumber maxoff = 0;
		bool		past = false;

		CHECK_FOR_INTERRUPTS();
		if (hblk >= heapBlocks)
			past = true;
		else
		{
			Buffer		buf = ReadBuffer(cs->heap, hblk);

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			maxoff = PageGetMaxOffsetNumber(BufferGetPage(buf));
			UnlockReleaseBuffer(buf);
		}
		for (; i < cs->nheaprefs &&
			 ItemPointerGetBlockNumberNoCheck(&cs->heaprefs[i].heaptid) == hblk; i++)
		{
			CheckHeapRef *r = &cs->heaprefs[i];
			OffsetNumber hoff = ItemPointerGetOffsetNumberNoCheck(&r->heaptid);

			if (past)
				report(cs, ItemPointerGetBlockNumber(&r->elem),
					   "element (%u,%u) has heap TID (%u,%u) past the end of table \"%s\" (%u blocks)",
					   ItemPointerGetBlockNumber(&r->elem),
					   ItemPointerGetOffsetNumber(&r->elem), hblk, hoff,
					   RelationGetRelationName(cs->heap), heapBlocks);
			else if (hoff > maxoff)
				report(cs, ItemPointerGetBlockNumber(&r->elem),
					   "element (%u,%u) has heap TID (%u,%u) past the last line pointer of its heap page (%u)",
					   ItemPointerGetBlockNumber(&r->elem),
					   ItemPointerGetOffsetNumber(&r->elem), hblk, hoff, maxoff);
		}
	}
}

/*
 * Open the table, then the index, with AccessShareLock (the order of
 * index_open callers, so no deadlock with DDL), and refuse what is not an
 * hnsw index.
 */
static void
openRelations(CheckState *cs, Oid indexOid)
{
	Oid			heapOid = IndexGetRelation(indexOid, true);

	cs->heap = OidIsValid(heapOid) ? table_open(heapOid, AccessShareLock) : NULL;
	cs->index = relation_open(indexOid, AccessShareLock);
	if (cs->index->rd_rel->relkind != RELKIND_INDEX ||
		cs->index->rd_indam == NULL || cs->heap == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index",
						RelationGetRelationName(cs->index)),
				 cs->index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX ?
				 errdetail("A partitioned index has no pages; check its partitions' indexes.") : 0));
	if (cs->index->rd_indam->ambuild != hnswbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an hnsw index",
						RelationGetRelationName(cs->index))));
	/* the table of an index cannot change while we hold a lock on it */
	if (cs->index->rd_index->indrelid != heapOid)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("could not open table of index \"%s\"",
						RelationGetRelationName(cs->index))));
	if (RELATION_IS_OTHER_TEMP(cs->index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot access temporary tables of other sessions")));
	if (!cs->index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot check index \"%s\"",
						RelationGetRelationName(cs->index)),
				 errdetail("Index is not valid.")));
}

static void
checkIndex(CheckState *cs)
{
	cs->nblocks = RelationGetNumberOfBlocks(cs->index);
	if (cs->nblocks == 0)
	{
		report(cs, InvalidBlockNumber, "index has no metapage");
		return;
	}
	if (!checkMetaPage(cs))
		return;
	HnswIdSetInit(&cs->elemSet, 0);
	cs->elems = palloc(sizeof(CheckElem));
	cs->heaprefs = palloc(sizeof(CheckHeapRef));
	cs->slots = palloc(sizeof(ItemPointerData) *
					   HNSW_SLOT_COUNT(HNSW_MAX_M, HNSW_MAX_LEVEL));
	cs->maxLevel = -1;
	walkPages(cs);
	walkGraph(cs);
	checkHeapTids(cs);
}

PG_FUNCTION_INFO_V1(hnsw_check);
Datum
hnsw_check(PG_FUNCTION_ARGS)
{
	Oid			indexOid = PG_GETARG_OID(0);
	CheckState *cs = palloc0(sizeof(CheckState));
	MemoryContext ctx;
	MemoryContext oldCtx;

	InitMaterializedSRF(fcinfo, 0);
	cs->rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	openRelations(cs, indexOid);

	/* an unlogged relation has only its init fork on a standby */
	if (cs->index->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED &&
		RecoveryInProgress())
	{
		ereport(NOTICE,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot check unlogged index \"%s\" during recovery, skipping",
						RelationGetRelationName(cs->index))));
	}
	else
	{
		ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw check",
									ALLOCSET_DEFAULT_SIZES);
		oldCtx = MemoryContextSwitchTo(ctx);
		identifyValueKind(cs, fcinfo->flinfo->fn_oid);
		checkIndex(cs);
		MemoryContextSwitchTo(oldCtx);
		MemoryContextDelete(ctx);
		if (cs->nproblems > CHECK_MAX_ROWS)
		{
			CheckState	tail = *cs;

			tail.nproblems = 0;
			report(&tail, InvalidBlockNumber,
				   INT64_FORMAT " more problems not listed",
				   cs->nproblems - CHECK_MAX_ROWS);
		}
	}
	relation_close(cs->index, AccessShareLock);
	table_close(cs->heap, AccessShareLock);
	return (Datum) 0;
}

/*
 * Read-path check of an element id's block, for the on-disk accessor
 * (hnswdisk.c): called with InvalidBuffer before reading a block that is
 * the metapage or at or past the size last seen (refreshed once, since the
 * index grows), and with the pinned buffer after each read that missed the
 * accessor's recent-buffer hint, to check the page id and flags.  The
 * special space is never changed after a page is initialised, so it is
 * read without a lock.  Raises ERRCODE_INDEX_CORRUPTED: a neighbour list
 * or the metapage named something that is no element page, and following
 * it would read the metapage as elements or fail in the storage manager.
 */
void
HnswCheckElementPage(HnswDiskGraph *g, BlockNumber blkno, Buffer buf)
{
	if (!BufferIsValid(buf))
	{
		if (blkno != HNSW_METAPAGE_BLKNO && blkno >= g->nblocks)
			HnswDiskSize(g);
		if (blkno == HNSW_METAPAGE_BLKNO || blkno >= g->nblocks)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" contains a link to block %u, which is not an element page",
							RelationGetRelationName(g->index), blkno),
					 errdetail("The index has %u blocks.", g->nblocks),
					 errhint("Rebuild the index with REINDEX.")));
		return;
	}
	if (!HnswPageIdIsValid(BufferGetPage(buf)) ||
		!HnswPageIsElement(BufferGetPage(buf)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains corrupted page at block %u",
						RelationGetRelationName(g->index), blkno),
				 errdetail("The page has no hnsw element page id and flags."),
				 errhint("Rebuild the index with REINDEX.")));
}

/* The accessor's value kind, looked up at its first use. */
static CheckValueKind
diskValueKind(HnswDiskGraph *g)
{
	if (g->valueKind == 0)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(g->index), 0);

		g->valueTypmod = att->atttypmod;
		g->valueKind = 1 + valueKindOf(att->atttypid,
									   get_func_namespace(g->support->distanceProc->fn_oid));
	}
	return (CheckValueKind) (g->valueKind - 1);
}

/*
 * Whether the accessor may measure values on unpinned pages (hnswdisk.c,
 * peekDistance).  That reads bytes that may change under it, so the kernel
 * must read no more than the value's size promises whatever the bytes say.
 * True of the direct kernels of vector, halfvec and bit: their first
 * HNSW_PEEK_HEADER bytes hold the size and the dimension count (and, for
 * vector and halfvec, a reserved field that is always zero), and the
 * kernels' loops run over the dimension count, so a value whose first bytes
 * equal the query's is read exactly as far as the query.  sparsevec's
 * kernels follow the nonzero count and the indexes inside the value, and a
 * type we do not know could do anything.
 */
bool
HnswDiskCanPeek(HnswDiskGraph *g)
{
	StaticAssertStmt(offsetof(Vector, x) == HNSW_PEEK_HEADER &&
					 offsetof(HalfVector, x) == HNSW_PEEK_HEADER &&
					 VARBITTOTALLEN(0) == HNSW_PEEK_HEADER,
					 "peeked values must have their size and dimensions in the first 8 bytes");

	switch (diskValueKind(g))
	{
		case VALUE_VECTOR:
		case VALUE_HALFVEC:
		case VALUE_BIT:
			return g->support->fastDistance != NULL;
		case VALUE_SPARSEVEC:
		case VALUE_OTHER:
			break;
	}
	return false;
}

/* Whether the index holds vector values (peeks may use a float4 kernel). */
bool
HnswDiskPeekVector(HnswDiskGraph *g)
{
	return diskValueKind(g) == VALUE_VECTOR;
}

/*
 * HnswGetElement for the on-disk accessor, with the checks that cost no
 * extra cache miss (the line pointer, the level and the value header are
 * read anyway): the item lies inside the page, its level is possible, and
 * its value fills the rest of the tuple, so that the slots and the value
 * read through it stay inside the tuple.  The caller holds a lock on buf.
 * Raises ERRCODE_INDEX_CORRUPTED otherwise.
 */
HnswElementTuple
HnswDiskElement(HnswDiskGraph *g, Buffer buf, HnswId id)
{
	Page		page = BufferGetPage(buf);
	HnswElementTuple tup = HnswGetElement(page, HnswIdGetOffset(id));
	ItemId		itemid;
	Size		len;
	Size		valueOff;
	Pointer		value;
	int64		dims;

	if (tup == NULL)
		return NULL;
	itemid = PageGetItemId(page, HnswIdGetOffset(id));
	len = ItemIdGetLength(itemid);
	if (ItemIdGetOffset(itemid) + len > BLCKSZ - sizeof(HnswPageOpaqueData) ||
		len < offsetof(HnswElementTupleData, slots) ||
		tup->level > HNSW_MAX_LEVEL)
		goto corrupted;
	valueOff = HNSW_VALUE_OFFSET(g->m, tup->level);
	if (valueOff + VARHDRSZ > len)
		goto corrupted;
	value = (Pointer) tup + valueOff;
	if (!VARATT_IS_4B_U(value) || VARSIZE(value) != len - valueOff)
		goto corrupted;

	/*
	 * The value's dimension field against its size and the column's typmod.
	 * The kind is looked up once per accessor (a few syscache hits); the
	 * field lies next to the header just read.
	 */
	dims = valueDims(diskValueKind(g), value);
	if (dims == -1 || (dims >= 0 && g->valueTypmod > 0 && dims != g->valueTypmod))
		goto corrupted;
	return tup;

corrupted:
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" contains corrupted element (%u,%u)",
					RelationGetRelationName(g->index),
					HnswIdGetBlock(id), HnswIdGetOffset(id)),
			 errdetail("Its level, size or dimension count does not match the page or the column."),
			 errhint("Rebuild the index with REINDEX.")));
	return NULL;				/* keep compiler quiet */
}
