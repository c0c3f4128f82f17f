/*-------------------------------------------------------------------------
 *
 * ivf_page.h
 *	  On-disk format of the ivfflat index access method.
 *
 * Only what is on disk lives here, so that inspection tools can include it.
 * The layout is described in src/ivf/README ("Page layout"); change both
 * together and bump IVF_VERSION.
 *
 * IDENTIFICATION
 *	  src/ivf/ivf_page.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_IVF_PAGE_H
#define VECTOR_IVF_PAGE_H

#include "storage/block.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"

#define IVF_MAGIC_NUMBER		0x1F5EF1A7
#define IVF_VERSION				1
#define IVF_PAGE_ID				0xFF85

#define IVF_METAPAGE_BLKNO		0
#define IVF_FIRST_LIST_BLKNO	1

/* Limits.  A center and an entry must each fit on one page. */
#define IVF_MAX_DIM				2000
#define IVF_MIN_LISTS			1
#define IVF_MAX_LISTS			32768
#define IVF_DEFAULT_LISTS		100

/* Page types, in IvfPageOpaqueData.flags */
#define IVF_PAGE_META			1
#define IVF_PAGE_LIST			2
#define IVF_PAGE_ENTRY			3

/*
 * Special space of every page.  nextblkno chains list pages to each other
 * and the entry pages of one list to each other; InvalidBlockNumber ends a
 * chain.  page_id is in the last two bytes, as in other index AMs, so tools
 * can tell the AM from the page alone.
 */
typedef struct IvfPageOpaqueData
{
	BlockNumber nextblkno;
	uint16		flags;
	uint16		page_id;
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

#define IvfPageGetOpaque(page)	((IvfPageOpaque) PageGetSpecialPointer(page))
#define IvfPageGetNext(page)	(IvfPageGetOpaque(page)->nextblkno)
#define IvfPageIsType(page, t) \
	(PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaqueData)) && \
	 IvfPageGetOpaque(page)->page_id == IVF_PAGE_ID && \
	 IvfPageGetOpaque(page)->flags == (t))

/* Block 0: the metapage, its data at PageGetContents() */
typedef struct IvfMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		dimensions;
	uint32		lists;
	uint32		nlistpages;		/* list pages start at IVF_FIRST_LIST_BLKNO */
	uint32		flags;			/* reserved, zero */
} IvfMetaPageData;

typedef IvfMetaPageData *IvfMetaPage;

#define IvfPageGetMeta(page)	((IvfMetaPage) PageGetContents(page))

/*
 * A list tuple: one per list, in list order on the chained list pages.
 * startPage is the first entry page of the list and never changes after the
 * build; insertPage is a hint where inserts start looking for free space.
 * center is a value of the opclass's type (an untoasted varlena with a 4-byte
 * header), as the type's support function formed it.
 */
typedef struct IvfListTupleData
{
	BlockNumber startPage;
	BlockNumber insertPage;
	char		center[FLEXIBLE_ARRAY_MEMBER];
} IvfListTupleData;

typedef IvfListTupleData *IvfListTuple;

#define IVF_LIST_TUPLE_SIZE(valsize) \
	MAXALIGN(offsetof(IvfListTupleData, center) + (valsize))

/*
 * An entry tuple: a heap TID and the indexed value, untoasted and, under
 * cosine, normalised.  The value is never compressed, so scans compute
 * distances on the page without copying it.
 */
typedef struct IvfEntryTupleData
{
	ItemPointerData tid;
	uint16		unused;
	char		value[FLEXIBLE_ARRAY_MEMBER];
} IvfEntryTupleData;

typedef IvfEntryTupleData *IvfEntryTuple;

#define IVF_ENTRY_TUPLE_SIZE(valsize) \
	MAXALIGN(offsetof(IvfEntryTupleData, value) + (valsize))

#endif							/* VECTOR_IVF_PAGE_H */
