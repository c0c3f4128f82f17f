/*-------------------------------------------------------------------------
 *
 * ivfbuild.c
 *	  ambuild and ambuildempty of ivfflat.
 *
 * A build makes two passes over the table.  The first draws a reservoir
 * sample (a fixed seed, so the same table gives the same sample), k-means
 * turns it into the centers, and the metapage and list pages are written.
 * The second pass assigns every row to its nearest center in batches and
 * feeds (list, tid, value) to a tuplesort bounded by maintenance_work_mem;
 * the sorted stream is then written list by list onto chained entry pages.
 * Sorting by (list, tid) makes the index independent of scan order.
 *
 * Pages are written through shared buffers without WAL; the whole index is
 * WAL-logged at the end with log_newpage_range, when the relation needs
 * WAL.  See src/ivf/README, "Build" and "WAL".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/parallel.h"
#include "access/tableam.h"
#include "access/table.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/spin.h"
#include "utils/snapmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplesort.h"

#include "buildworkers.h"
#include "distance/distance.h"
#include "ivf/ivf.h"

/*
 * Sample size.  More samples give better centers (recall at low probes) and
 * slower builds; one k-means pass costs samples x lists x dims multiply-adds.
 * So the sample gets as many rows per list as IVF_KMEANS_BUDGET allows for
 * one pass, between IVF_MIN_SAMPLES_PER_LIST and IVF_MAX_SAMPLES_PER_LIST
 * (FAISS samples up to 256 per list).
 */
#define IVF_MIN_SAMPLES_PER_LIST	50
#define IVF_MAX_SAMPLES_PER_LIST	256
#define IVF_KMEANS_BUDGET			((double) (1 << 30))

/* Rows assigned together by the batched kernel */
#define IVF_BUILD_BATCH			64

/* Fixed seed of the reservoir sample */
#define IVF_SAMPLE_SEED			0x1F5A3D

typedef struct IvfBuildState
{
	Relation	heap;
	Relation	index;
	IndexInfo  *indexInfo;
	ForkNumber	forknum;
	IvfOpclass	opc;
	int			dims;
	int			lists;

	/* sampling */
	float	   *samples;
	int			nsamples;
	int			maxsamples;
	double		rowsSeen;
	pg_prng_state rng;

	/* centers, float and transposed for the assignment kernel */
	float	   *centers;
	float	   *sharedCenters;	/* copy in the parallel DSM, leader only */
	float	   *centersT;
	float	   *cnorms;
	float	   *scratch;

	/* assignment batch */
	float	   *batchx;
	Datum		batchvals[IVF_BUILD_BATCH];
	ItemPointerData batchtids[IVF_BUILD_BATCH];
	int			batchassign[IVF_BUILD_BATCH];
	int			nbatch;

	Tuplesortstate *sortstate;
	TupleDesc	sortdesc;
	TupleTableSlot *slot;		/* virtual, to put tuples into the sort */
	TupleTableSlot *sortedSlot;	/* minimal, to read them back */

	IvfListRef *refs;			/* where each list tuple was written */
	double		indtuples;
	double		reltuples;
	MemoryContext tmpCtx;
} IvfBuildState;

/*
 * Size the sample (see IVF_KMEANS_BUDGET), less if the sample would not fit
 * in maintenance_work_mem next to the centers.  Errors out if even
 * the centers do not fit.
 */
static void
sizeSample(IvfBuildState *bs)
{
	Size		mem = (Size) maintenance_work_mem * 1024;
	Size		row = sizeof(float) * bs->dims;
	Size		centerMem = (Size) bs->lists * (3 * row + sizeof(IvfListRef) + 64);
	Size		room;
	double		perList;

	if (centerMem > mem)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("memory required is %zu MB, maintenance_work_mem is %d MB",
						centerMem / (1024 * 1024) + 1, maintenance_work_mem / 1024),
				 errhint("Increase maintenance_work_mem or decrease lists.")));
	room = (mem - centerMem) / (row + 4 * sizeof(float));
	perList = IVF_KMEANS_BUDGET / ((double) bs->lists * bs->lists * bs->dims);
	perList = Max(perList, IVF_MIN_SAMPLES_PER_LIST);
	perList = Min(perList, IVF_MAX_SAMPLES_PER_LIST);
	bs->maxsamples = (int) Min((Size) (bs->lists * perList), room);
	bs->maxsamples = Max(bs->maxsamples, 1);
}

/* Reservoir sampling (Vitter's Algorithm R) over the non-null rows */
static void
sampleCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext oldCtx;
	int			slot;
	Datum		value;
	bool		skip;
	float	   *row;

	if (isnull[0])
		return;
	bs->rowsSeen += 1;
	if (bs->nsamples < bs->maxsamples)
		slot = bs->nsamples;
	else
	{
		uint64		j = pg_prng_uint64_range(&bs->rng, 0,
											 (uint64) bs->rowsSeen - 1);

		if (j >= (uint64) bs->maxsamples)
			return;
		slot = (int) j;
	}

	oldCtx = MemoryContextSwitchTo(bs->tmpCtx);
	value = IvfPrepareValue(&bs->opc, values[0], &skip);
	if (!skip)
	{
		row = bs->samples + (Size) slot * bs->dims;
		if (bs->opc.typeOps->dims(value) != bs->dims)
			elog(ERROR, "value has %d dimensions, index has %d",
				 bs->opc.typeOps->dims(value), bs->dims);
		bs->opc.typeOps->toFloats(value, row);
		if (bs->opc.spherical)
		{
			double		norm = sqrt(vector_kernels.dot_f32(row, row, bs->dims));

			if (norm > 0)
				for (int j = 0; j < bs->dims; j++)
					row[j] = (float) (row[j] / norm);
			else
				skip = true;
		}
		if (!skip && slot == bs->nsamples)
			bs->nsamples++;
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(bs->tmpCtx);
}

/* Sample the table and run k-means; fills bs->centers. */
static void
computeCenters(IvfBuildState *bs)
{
	Size		row = sizeof(float) * bs->dims;

	sizeSample(bs);
	bs->samples = palloc_extended(row * bs->maxsamples, MCXT_ALLOC_HUGE);
	pg_prng_seed(&bs->rng, IVF_SAMPLE_SEED);

	if (bs->heap != NULL)
	{
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
									 PROGRESS_IVF_PHASE_SAMPLE);
		/* no synchronized scan: the sample must not depend on where it starts */
		table_index_build_scan(bs->heap, bs->index, bs->indexInfo, false, true,
							   sampleCallback, bs, NULL);
	}

	if (bs->rowsSeen > 0 && bs->rowsSeen < bs->lists)
		ereport(NOTICE,
				(errmsg("ivfflat index created with little data"),
				 errdetail("This will cause low recall."),
				 errhint("Drop the index until the table has more data.")));

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_IVF_PHASE_KMEANS);
	bs->centers = palloc_extended(row * bs->lists, MCXT_ALLOC_HUGE);
	IvfKmeans(bs->samples, bs->nsamples, bs->dims, bs->lists,
			  bs->opc.spherical, bs->centers);

	/*
	 * Round-trip every center through the type, so that rows are assigned
	 * to the centers as stored (halfvec rounds them, bit thresholds them)
	 * and build, inserts and scans agree on each row's nearest center.
	 */
	for (int l = 0; l < bs->lists; l++)
	{
		float	   *c = bs->centers + (Size) l * bs->dims;
		Datum		value = bs->opc.typeOps->fromFloats(c, bs->dims);

		bs->opc.typeOps->toFloats(value, c);
		pfree(DatumGetPointer(value));
	}
	pfree(bs->samples);
	bs->samples = NULL;
}

/*
 * Write the metapage and the list pages with the centers.  startPage and
 * insertPage are filled in by fillListTuples once the entries are written.
 */
static void
writeMetaAndLists(IvfBuildState *bs)
{
	Buffer		metabuf,
				buf;
	Page		page;
	IvfMetaPage meta;
	int			nlistpages = 1;

	metabuf = IvfNewBuffer(bs->index, bs->forknum);
	Assert(BufferGetBlockNumber(metabuf) == IVF_METAPAGE_BLKNO);
	IvfInitPage(BufferGetPage(metabuf), IVF_PAGE_META);

	bs->refs = palloc0(sizeof(IvfListRef) * bs->lists);
	buf = IvfNewBuffer(bs->index, bs->forknum);
	page = BufferGetPage(buf);
	IvfInitPage(page, IVF_PAGE_LIST);
	for (int l = 0; l < bs->lists; l++)
	{
		Datum		center;
		Size		vsize,
					tsize;
		IvfListTuple lt;
		OffsetNumber off;

		center = bs->opc.typeOps->fromFloats(bs->centers + (Size) l * bs->dims,
											 bs->dims);
		vsize = VARSIZE_ANY(DatumGetPointer(center));
		IvfCheckValueSize(bs->index, vsize);
		tsize = IVF_LIST_TUPLE_SIZE(vsize);
		lt = palloc0(tsize);
		lt->startPage = InvalidBlockNumber;
		lt->insertPage = InvalidBlockNumber;
		memcpy(lt->center, DatumGetPointer(center), vsize);

		if (PageGetFreeSpace(page) < tsize)
		{
			Buffer		next = IvfNewBuffer(bs->index, bs->forknum);

			IvfInitPage(BufferGetPage(next), IVF_PAGE_LIST);
			IvfPageGetNext(page) = BufferGetBlockNumber(next);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
			buf = next;
			page = BufferGetPage(buf);
			nlistpages++;
		}
		off = PageAddItem(page, (Item) lt, tsize, InvalidOffsetNumber, false, false);
		if (off == InvalidOffsetNumber)
			elog(ERROR, "failed to add list tuple to index \"%s\"",
				 RelationGetRelationName(bs->index));
		bs->refs[l].listBlkno = BufferGetBlockNumber(buf);
		bs->refs[l].listOffno = off;
		pfree(lt);
		pfree(DatumGetPointer(center));
	}
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	page = BufferGetPage(metabuf);
	meta = IvfPageGetMeta(page);
	meta->magic = IVF_MAGIC_NUMBER;
	meta->version = IVF_VERSION;
	meta->dimensions = bs->dims;
	meta->lists = bs->lists;
	meta->nlistpages = nlistpages;
	meta->flags = 0;
	((PageHeader) page)->pd_lower =
		((char *) meta + sizeof(IvfMetaPageData)) - (char *) page;
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
}

/* Put the batch of rows, assigned to lists, into the tuplesort. */
static void
flushBatch(IvfBuildState *bs)
{
	if (bs->nbatch == 0)
		return;
	IvfAssignBatch(bs->batchx, bs->nbatch, bs->dims, bs->centersT, bs->cnorms,
				   bs->lists, bs->opc.spherical, bs->batchassign, bs->scratch);
	for (int i = 0; i < bs->nbatch; i++)
	{
		TupleTableSlot *slot = bs->slot;

		ExecClearTuple(slot);
		slot->tts_values[0] = Int32GetDatum(bs->batchassign[i]);
		slot->tts_isnull[0] = false;
		slot->tts_values[1] = PointerGetDatum(&bs->batchtids[i]);
		slot->tts_isnull[1] = false;
		slot->tts_values[2] = bs->batchvals[i];
		slot->tts_isnull[2] = false;
		ExecStoreVirtualTuple(slot);
		tuplesort_puttupleslot(bs->sortstate, slot);
	}
	bs->nbatch = 0;
	MemoryContextReset(bs->tmpCtx);
}

static void
assignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext oldCtx;
	Datum		value;
	bool		skip;

	if (isnull[0])
		return;
	oldCtx = MemoryContextSwitchTo(bs->tmpCtx);
	value = IvfPrepareValue(&bs->opc, values[0], &skip);
	if (!skip)
	{
		if (bs->opc.typeOps->dims(value) != bs->dims)
			elog(ERROR, "value has %d dimensions, index has %d",
				 bs->opc.typeOps->dims(value), bs->dims);
		bs->opc.typeOps->toFloats(value, bs->batchx + (Size) bs->nbatch * bs->dims);

		/*
		 * The value must outlive this call: an expression index's values
		 * live in a per-tuple context that the scan resets for the next
		 * row, so a value the preparation did not copy is copied here.
		 */
		if (DatumGetPointer(value) == DatumGetPointer(values[0]))
			value = PointerGetDatum(PG_DETOAST_DATUM_COPY(value));
		bs->batchvals[bs->nbatch] = value;
		bs->batchtids[bs->nbatch] = *tid;
		bs->nbatch++;
		bs->indtuples += 1;
	}
	MemoryContextSwitchTo(oldCtx);
	if (bs->nbatch == IVF_BUILD_BATCH)
		flushBatch(bs);
}

/*
 * Set up the assignment of rows: the sort descriptor and slots, and the
 * centers packed for the assignment kernel.  coordinate is NULL for a
 * serial sort, else describes this participant of a parallel sort.
 */
static void
beginAssign(IvfBuildState *bs, SortCoordinate coordinate, int workMem)
{
	AttrNumber	attNums[] = {1, 2};
	Oid			sortOperators[] = {Int4LessOperator, TIDLessOperator};
	Oid			sortCollations[] = {InvalidOid, InvalidOid};
	bool		nullsFirst[] = {false, false};
	int			kpad = IvfPaddedCenters(bs->lists);

	bs->sortdesc = CreateTemplateTupleDesc(3);
	TupleDescInitEntry(bs->sortdesc, 1, "list", INT4OID, -1, 0);
	TupleDescInitEntry(bs->sortdesc, 2, "tid", TIDOID, -1, 0);
	TupleDescInitEntry(bs->sortdesc, 3, "value",
					   TupleDescAttr(bs->index->rd_att, 0)->atttypid, -1, 0);
	bs->slot = MakeSingleTupleTableSlot(bs->sortdesc, &TTSOpsVirtual);
	bs->sortedSlot = MakeSingleTupleTableSlot(bs->sortdesc, &TTSOpsMinimalTuple);
	bs->sortstate = tuplesort_begin_heap(bs->sortdesc, 2, attNums,
										 sortOperators, sortCollations,
										 nullsFirst, workMem,
										 coordinate, TUPLESORT_NONE);

	bs->centersT = palloc_extended(sizeof(float) * (Size) bs->dims * kpad,
								   MCXT_ALLOC_HUGE);
	bs->cnorms = palloc(sizeof(float) * kpad);
	bs->scratch = palloc(sizeof(float) * IVF_ASSIGN_BLOCK * (Size) kpad);
	bs->batchx = palloc(sizeof(float) * IVF_BUILD_BATCH * (Size) bs->dims);
	IvfTransposeCenters(bs->centers, bs->lists, bs->dims, bs->opc.spherical,
						bs->centersT, bs->cnorms);
}

/* Second pass, serial: assign every row and sort by (list, tid). */
static void
assignRows(IvfBuildState *bs)
{
	beginAssign(bs, NULL, maintenance_work_mem);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_IVF_PHASE_ASSIGN);
	if (bs->heap != NULL)
		bs->reltuples = table_index_build_scan(bs->heap, bs->index,
											   bs->indexInfo, true, true,
											   assignCallback, bs, NULL);
	flushBatch(bs);
	tuplesort_performsort(bs->sortstate);
}

/*
 * Parallel build
 *
 * Only the second heap scan runs in parallel: sampling and k-means are
 * cheap next to assigning every row.  Each participant (the workers and
 * the leader) scans part of the heap through a parallel table scan, assigns
 * its rows with the centers the leader put in shared memory, and sorts
 * them in its own tuplesort; the leader then merges the participants' runs
 * and writes the pages as in a serial build.  The sort key (list, tid)
 * makes the result independent of how the heap was split.  The layout
 * follows nbtsort.c.
 */
#define PARALLEL_KEY_IVF_SHARED		UINT64CONST(0xA1F0000000000001)
#define PARALLEL_KEY_TUPLESORT		UINT64CONST(0xA1F0000000000002)
#define PARALLEL_KEY_CENTERS		UINT64CONST(0xA1F0000000000003)

typedef struct IvfShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			scantuplesortstates;
	int			lists;
	int			dims;

	ConditionVariable workersdonecv;
	slock_t		mutex;
	int			nparticipantsdone;
	double		reltuples;
	double		indtuples;
	/* ParallelTableScanDescData follows */
} IvfShared;

#define ParallelTableScanFromIvfShared(shared) \
	(ParallelTableScanDesc) ((char *) (shared) + BUFFERALIGN(sizeof(IvfShared)))

typedef struct IvfLeader
{
	ParallelContext *pcxt;
	int			nparticipanttuplesorts;
	IvfShared  *shared;
	Sharedsort *sharedsort;
	Snapshot	snapshot;
} IvfLeader;

/*
 * One participant's share of the assignment: scan part of the heap, sort
 * its rows, report the counts.  bs has the opclass, index, centers.
 */
static void
participate(IvfBuildState *bs, IvfShared *shared, Sharedsort *sharedsort,
			int sortmem)
{
	SortCoordinate coordinate = palloc0(sizeof(SortCoordinateData));
	TableScanDesc scan;
	double		reltuples;

	coordinate->isWorker = true;
	coordinate->nParticipants = -1;
	coordinate->sharedsort = sharedsort;
	beginAssign(bs, coordinate, sortmem);

	scan = table_beginscan_parallel(bs->heap,
									ParallelTableScanFromIvfShared(shared));
	reltuples = table_index_build_scan(bs->heap, bs->index, bs->indexInfo,
									   true, false, assignCallback, bs, scan);
	flushBatch(bs);
	tuplesort_performsort(bs->sortstate);

	SpinLockAcquire(&shared->mutex);
	shared->nparticipantsdone++;
	shared->reltuples += reltuples;
	shared->indtuples += bs->indtuples;
	SpinLockRelease(&shared->mutex);
	ConditionVariableSignal(&shared->workersdonecv);

	tuplesort_end(bs->sortstate);
	bs->sortstate = NULL;
	ExecDropSingleTupleTableSlot(bs->slot);
	ExecDropSingleTupleTableSlot(bs->sortedSlot);
}

/* Entry point of a parallel worker, found by name by the parallel machinery */
PGDLLEXPORT void IvfParallelBuildMain(dsm_segment *seg, shm_toc *toc);

void
IvfParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	IvfShared  *shared = shm_toc_lookup(toc, PARALLEL_KEY_IVF_SHARED, false);
	Sharedsort *sharedsort = shm_toc_lookup(toc, PARALLEL_KEY_TUPLESORT, false);
	float	   *centers = shm_toc_lookup(toc, PARALLEL_KEY_CENTERS, false);
	LOCKMODE	heapLockmode = shared->isconcurrent ?
		ShareUpdateExclusiveLock : ShareLock;
	LOCKMODE	indexLockmode = shared->isconcurrent ?
		RowExclusiveLock : AccessExclusiveLock;
	IvfBuildState bs;

	memset(&bs, 0, sizeof(bs));
	bs.heap = table_open(shared->heaprelid, heapLockmode);
	bs.index = index_open(shared->indexrelid, indexLockmode);
	bs.indexInfo = BuildIndexInfo(bs.index);
	bs.indexInfo->ii_Concurrent = shared->isconcurrent;
	bs.forknum = MAIN_FORKNUM;
	bs.dims = shared->dims;
	bs.lists = shared->lists;
	bs.centers = centers;
	IvfGetOpclass(bs.index, &bs.opc);
	bs.tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
									  "ivfflat build temporary context",
									  ALLOCSET_DEFAULT_SIZES);
	tuplesort_attach_shared(sharedsort, seg);

	participate(&bs, shared, sharedsort,
				maintenance_work_mem / shared->scantuplesortstates);

	index_close(bs.index, indexLockmode);
	table_close(bs.heap, heapLockmode);
}

/*
 * Launch workers for the assignment pass.  Returns NULL when none could be
 * started, and the caller builds serially.
 */
static IvfLeader *
beginParallel(IvfBuildState *bs, int request)
{
	ParallelContext *pcxt;
	IvfShared  *shared;
	Sharedsort *sharedsort;
	Snapshot	snapshot;
	Size		estshared,
				estsort,
				estcenters = sizeof(float) * (Size) bs->lists * bs->dims;
	IvfLeader  *leader;
	bool		isconcurrent = bs->indexInfo->ii_Concurrent;
	int			scantuplesortstates = request + 1;	/* the leader takes part */

	EnterParallelMode();
	pcxt = CreateParallelContext("vector", "IvfParallelBuildMain", request);

	snapshot = isconcurrent ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	estshared = BUFFERALIGN(sizeof(IvfShared)) +
		table_parallelscan_estimate(bs->heap, snapshot);
	estsort = tuplesort_estimate_shared(scantuplesortstates);
	shm_toc_estimate_chunk(&pcxt->estimator, estshared);
	shm_toc_estimate_chunk(&pcxt->estimator, estsort);
	shm_toc_estimate_chunk(&pcxt->estimator, estcenters);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		if (IsMVCCSnapshot(snapshot))
			UnregisterSnapshot(snapshot);
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		return NULL;
	}

	shared = shm_toc_allocate(pcxt->toc, estshared);
	memset(shared, 0, sizeof(IvfShared));
	shared->heaprelid = RelationGetRelid(bs->heap);
	shared->indexrelid = RelationGetRelid(bs->index);
	shared->isconcurrent = isconcurrent;
	shared->scantuplesortstates = scantuplesortstates;
	shared->lists = bs->lists;
	shared->dims = bs->dims;
	ConditionVariableInit(&shared->workersdonecv);
	SpinLockInit(&shared->mutex);
	table_parallelscan_initialize(bs->heap, ParallelTableScanFromIvfShared(shared),
								  snapshot);
	sharedsort = shm_toc_allocate(pcxt->toc, estsort);
	tuplesort_initialize_shared(sharedsort, scantuplesortstates, pcxt->seg);
	bs->sharedCenters = shm_toc_allocate(pcxt->toc, estcenters);
	memcpy(bs->sharedCenters, bs->centers, estcenters);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_IVF_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_TUPLESORT, sharedsort);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_CENTERS, bs->sharedCenters);

	LaunchParallelWorkers(pcxt);
	if (pcxt->nworkers_launched == 0)
	{
		WaitForParallelWorkersToFinish(pcxt);
		if (IsMVCCSnapshot(snapshot))
			UnregisterSnapshot(snapshot);
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		return NULL;
	}

	elog(DEBUG1, "ivfflat build launched %d of %d parallel workers",
		 pcxt->nworkers_launched, request);
	leader = palloc0(sizeof(IvfLeader));
	leader->pcxt = pcxt;
	leader->nparticipanttuplesorts = pcxt->nworkers_launched + 1;
	leader->shared = shared;
	leader->sharedsort = sharedsort;
	leader->snapshot = snapshot;
	WaitForParallelWorkersToAttach(pcxt);
	return leader;
}

/*
 * Parallel second pass: take part as a worker, wait for the others, then
 * open the merged sort for loadEntries.
 */
static void
assignRowsParallel(IvfBuildState *bs, IvfLeader *leader)
{
	IvfShared  *shared = leader->shared;
	SortCoordinate coordinate;
	IvfBuildState mine = *bs;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_IVF_PHASE_ASSIGN);
	mine.indtuples = 0;
	participate(&mine, shared, leader->sharedsort,
				maintenance_work_mem / shared->scantuplesortstates);

	for (;;)
	{
		SpinLockAcquire(&shared->mutex);
		if (shared->nparticipantsdone == leader->nparticipanttuplesorts)
		{
			bs->reltuples = shared->reltuples;
			bs->indtuples = shared->indtuples;
			SpinLockRelease(&shared->mutex);
			break;
		}
		SpinLockRelease(&shared->mutex);
		ConditionVariableSleep(&shared->workersdonecv,
							   WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();

	coordinate = palloc0(sizeof(SortCoordinateData));
	coordinate->isWorker = false;
	coordinate->nParticipants = leader->nparticipanttuplesorts;
	coordinate->sharedsort = leader->sharedsort;
	beginAssign(bs, coordinate, maintenance_work_mem);
	tuplesort_performsort(bs->sortstate);
}

static void
endParallel(IvfLeader *leader)
{
	WaitForParallelWorkersToFinish(leader->pcxt);
	if (IsMVCCSnapshot(leader->snapshot))
		UnregisterSnapshot(leader->snapshot);
	DestroyParallelContext(leader->pcxt);
	ExitParallelMode();
}

/* Start a new entry page, linked from *buf's page when that is valid. */
static Buffer
nextEntryPage(IvfBuildState *bs, Buffer prev)
{
	Buffer		buf = IvfNewBuffer(bs->index, bs->forknum);

	IvfInitPage(BufferGetPage(buf), IVF_PAGE_ENTRY);
	if (BufferIsValid(prev))
	{
		IvfPageGetNext(BufferGetPage(prev)) = BufferGetBlockNumber(buf);
		MarkBufferDirty(prev);
		UnlockReleaseBuffer(prev);
	}
	return buf;
}

/* Write the sorted entries list by list; every list gets at least a page. */
static void
loadEntries(IvfBuildState *bs)
{
	bool		have;
	Size		maxsize = IVF_ENTRY_TUPLE_SIZE(BLCKSZ);
	IvfEntryTuple et = palloc0(maxsize);
	double		done = 0;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_IVF_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) bs->indtuples);
	have = tuplesort_gettupleslot(bs->sortstate, true, false, bs->sortedSlot, NULL);
	for (int l = 0; l < bs->lists; l++)
	{
		Buffer		buf = nextEntryPage(bs, InvalidBuffer);

		bs->refs[l].startPage = BufferGetBlockNumber(buf);
		while (have)
		{
			bool		isnull;
			int			list = DatumGetInt32(slot_getattr(bs->sortedSlot, 1, &isnull));
			ItemPointer tid;
			Pointer		value;
			MemoryContext oldCtx;
			Size		vsize,
						tsize;

			if (list != l)
				break;
			CHECK_FOR_INTERRUPTS();
			tid = (ItemPointer) DatumGetPointer(slot_getattr(bs->sortedSlot, 2, &isnull));
			/* the sort may have shortened the varlena header: restore it */
			oldCtx = MemoryContextSwitchTo(bs->tmpCtx);
			value = (Pointer) PG_DETOAST_DATUM(slot_getattr(bs->sortedSlot, 3,
															&isnull));
			MemoryContextSwitchTo(oldCtx);
			vsize = VARSIZE_ANY(value);
			tsize = IVF_ENTRY_TUPLE_SIZE(vsize);
			memset(et, 0, tsize);
			et->tid = *tid;
			memcpy(et->value, value, vsize);
			if (PageGetFreeSpace(BufferGetPage(buf)) < tsize)
				buf = nextEntryPage(bs, buf);
			if (PageAddItem(BufferGetPage(buf), (Item) et, tsize,
							InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
				elog(ERROR, "failed to add entry to index \"%s\"",
					 RelationGetRelationName(bs->index));
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
										 (int64) ++done);
			MemoryContextReset(bs->tmpCtx);
			have = tuplesort_gettupleslot(bs->sortstate, true, false,
										  bs->sortedSlot, NULL);
		}
		bs->refs[l].insertPage = BufferGetBlockNumber(buf);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	pfree(et);
	tuplesort_end(bs->sortstate);
	ExecDropSingleTupleTableSlot(bs->sortedSlot);
	ExecDropSingleTupleTableSlot(bs->slot);
}

/* Set startPage and insertPage of every list tuple. */
static void
fillListTuples(IvfBuildState *bs)
{
	Buffer		buf = InvalidBuffer;

	for (int l = 0; l < bs->lists; l++)
	{
		IvfListTuple lt;
		Page		page;

		if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != bs->refs[l].listBlkno)
		{
			if (BufferIsValid(buf))
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = ReadBufferExtended(bs->index, bs->forknum, bs->refs[l].listBlkno,
									 RBM_NORMAL, NULL);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		}
		page = BufferGetPage(buf);
		lt = (IvfListTuple) PageGetItem(page, PageGetItemId(page, bs->refs[l].listOffno));
		lt->startPage = bs->refs[l].startPage;
		lt->insertPage = bs->refs[l].insertPage;
	}
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* The whole build, for the main fork (heap given) or the init fork. */
static void
buildIndex(Relation heap, Relation index, IndexInfo *indexInfo,
		   ForkNumber forknum, IvfBuildState *bs)
{
	IvfLeader  *leader = NULL;

	memset(bs, 0, sizeof(IvfBuildState));
	bs->heap = heap;
	bs->index = index;
	bs->indexInfo = indexInfo;
	bs->forknum = forknum;
	bs->dims = IvfGetDimensions(index);
	bs->lists = IvfGetLists(index);
	IvfGetOpclass(index, &bs->opc);
	bs->tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
									   "ivfflat build temporary context",
									   ALLOCSET_DEFAULT_SIZES);

	computeCenters(bs);
	writeMetaAndLists(bs);
	if (heap != NULL && bs->indexInfo->ii_ParallelWorkers > 0)
		leader = beginParallel(bs, bs->indexInfo->ii_ParallelWorkers);
	if (leader != NULL)
		assignRowsParallel(bs, leader);
	else
		assignRows(bs);
	loadEntries(bs);
	if (leader != NULL)
		endParallel(leader);
	fillListTuples(bs);

	if (RelationNeedsWAL(index) || forknum == INIT_FORKNUM)
		log_newpage_range(index, forknum, 0,
						  RelationGetNumberOfBlocksInFork(index, forknum), true);
	MemoryContextDelete(bs->tmpCtx);
}

/*
 * ambuild: build the index on a new, empty relation.  The index is locked
 * exclusively by the caller, so no buffer locks are needed for concurrency;
 * they are taken anyway because the bufmgr expects them.
 */
IndexBuildResult *
ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	IvfBuildState bs;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	/* PostgreSQL 15 plans workers for btree only; ask for ours here */
	indexInfo->ii_ParallelWorkers = VectorBuildWorkers(heap, index);
	buildIndex(heap, index, indexInfo, MAIN_FORKNUM, &bs);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, an index with random
 * centers and no entries, WAL-logged so that it survives a crash.
 */
void
ivfbuildempty(Relation index)
{
	IvfBuildState bs;

	buildIndex(NULL, index, NULL, INIT_FORKNUM, &bs);
}
