/*-------------------------------------------------------------------------
 *
 * hnsw_page.h
 *	  On-disk structures of the hnsw index access method.
 *
 * Only what is stored on pages lives here, so that inspection tools can
 * include this file alone.  The format is described in src/hnsw/README;
 * change both together and bump HNSW_VERSION.
 *
 * Block 0 is the metapage.  Every other block is an element page holding
 * element tuples: one per graph node, carrying its heap TIDs, its neighbour
 * slots for every layer it lives on, and the (normalised) indexed value.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnsw_page.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_HNSW_PAGE_H
#define VECTOR_HNSW_PAGE_H

#include "storage/bufpage.h"
#include "storage/itemptr.h"

#define HNSW_METAPAGE_BLKNO		0
#define HNSW_MAGIC_NUMBER		0x484E5357	/* "HNSW" */
#define HNSW_VERSION			1
#define HNSW_PAGE_ID			0xFF91

/* page flags, in HnswPageOpaqueData.flags */
#define HNSW_PAGE_META			(1 << 0)
#define HNSW_PAGE_ELEMENT		(1 << 1)

/* heap TIDs kept inline in one element (duplicates share an element) */
#define HNSW_HEAPTIDS			3

/* highest layer an element may live on, whatever its random draw says */
#define HNSW_MAX_LEVEL			15

/*
 * Special space of every page.  page_id in the last two bytes tells tools
 * this is an hnsw page, as in the other index access methods.
 */
typedef struct HnswPageOpaqueData
{
	uint32		unused;			/* reserved, zero */
	uint16		flags;			/* HNSW_PAGE_* */
	uint16		page_id;		/* HNSW_PAGE_ID */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

#define HnswPageGetOpaque(page) \
	((HnswPageOpaque) PageGetSpecialPointer(page))
#define HnswPageIsMeta(page) \
	((HnswPageGetOpaque(page)->flags & HNSW_PAGE_META) != 0)
#define HnswPageIsElement(page) \
	((HnswPageGetOpaque(page)->flags & HNSW_PAGE_ELEMENT) != 0)
#define HnswPageIdIsValid(page) \
	(PageGetSpecialSize(page) == MAXALIGN(sizeof(HnswPageOpaqueData)) && \
	 HnswPageGetOpaque(page)->page_id == HNSW_PAGE_ID)

/*
 * Metapage contents, stored after the page header (pd_lower covers it, so
 * full-page images keep it).
 */
typedef struct HnswMetaPageData
{
	uint32		magic;			/* HNSW_MAGIC_NUMBER */
	uint32		version;		/* HNSW_VERSION */
	uint16		m;				/* neighbours per upper layer; 2*m at layer 0 */
	uint16		efConstruction; /* candidate list size at build and insert */
	int16		entryLevel;		/* layer of the entry point, -1 if empty */
	uint16		vacuumCount;	/* vacuums that deleted elements, modulo
								 * 2^16; zero from a build */
	ItemPointerData entryPoint; /* element TID, invalid when index is empty */
	BlockNumber insertPage;		/* last element page, InvalidBlockNumber if
								 * none: where inserts extend from */
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

#define HnswPageGetMeta(page)	((HnswMetaPage) PageGetContents(page))

/*
 * Element tuple.  Fixed size for a given (level, m, value size), so that
 * neighbour lists and heap TIDs are updated in place, and a deleted
 * element's space can be taken over by a new element of the same size.
 *
 *	uint8	level			highest layer of the element
 *	uint8	deleted			1 once vacuum has unlinked it
 *	uint16	unused
 *	ItemPointerData heaptids[HNSW_HEAPTIDS]	  invalid = free slot
 *	ItemPointerData slots[2*m + level*m]	  layer 0 first (2*m slots), then
 *											  m slots per upper layer; filled
 *											  from the start, invalid = end
 *	(padding to 4 bytes)
 *	value					varlena with a 4-byte header, as the support
 *							functions take it
 */
typedef struct HnswElementTupleData
{
	uint8		level;
	uint8		deleted;
	uint16		unused;
	ItemPointerData heaptids[HNSW_HEAPTIDS];
	ItemPointerData slots[FLEXIBLE_ARRAY_MEMBER];
} HnswElementTupleData;

typedef HnswElementTupleData *HnswElementTuple;

/* number of neighbour slots of an element of the given level */
#define HNSW_SLOT_COUNT(m, level)	(2 * (m) + (level) * (m))

/* first slot of a layer */
#define HNSW_LAYER_START(m, layer)	((layer) == 0 ? 0 : 2 * (m) + ((layer) - 1) * (m))

/* slots of a layer */
#define HNSW_LAYER_SLOTS(m, layer)	((layer) == 0 ? 2 * (m) : (m))

#define HNSW_VALUE_OFFSET(m, level) \
	INTALIGN(offsetof(HnswElementTupleData, slots) + \
			 sizeof(ItemPointerData) * HNSW_SLOT_COUNT(m, level))

#define HNSW_ELEMENT_TUPLE_SIZE(m, level, valuesize) \
	(HNSW_VALUE_OFFSET(m, level) + (valuesize))

#define HnswElementGetValue(tup, m) \
	((Pointer) (tup) + HNSW_VALUE_OFFSET(m, (tup)->level))

/* Live: not deleted, and a heap TID to return (else dead, awaiting vacuum) */
static inline bool
HnswElementIsLive(HnswElementTuple tup)
{
	if (tup->deleted)
		return false;
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
		if (ItemPointerIsValid(&tup->heaptids[i]))
			return true;
	return false;
}

/* room for element tuples on an empty element page, line pointer included */
#define HNSW_MAX_ELEMENT_SPACE \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	 MAXALIGN(sizeof(HnswPageOpaqueData)) - sizeof(ItemIdData))

#endif							/* VECTOR_HNSW_PAGE_H */
