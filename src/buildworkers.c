/*-------------------------------------------------------------------------
 *
 * buildworkers.c
 *	  How many parallel workers an index build of the extension asks for.
 *
 * index_build() plans workers for btree only, so our ambuild functions ask
 * plan_create_index_workers() themselves.  That function sizes the build
 * by the table's main fork, as for a B-tree, whose build is mostly reading
 * the table.  A vector of more than about 500 dimensions is stored out of
 * line in the table's TOAST relation, so the main fork of a table of such
 * embeddings holds almost nothing and the planner offers no worker however
 * many rows there are (1.5 million rows of 1536 dimensions: about 90 MB of
 * main fork against 9 GB of TOAST).  When the planner offers none, the
 * table has a TOAST relation, and nothing but size can have stood in the
 * way, we apply its rule (one worker from min_parallel_table_scan_size,
 * one more each time the size triples, at most
 * max_parallel_maintenance_workers, and 32 MB of maintenance_work_mem per
 * participant) to the main fork and the TOAST relation together.  TOAST
 * pages of other columns count too; they are read by the table scan all
 * the same when those columns are indexed, and otherwise only make the
 * estimate generous.
 *
 * IDENTIFICATION
 *	  src/buildworkers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "buildworkers.h"

/*
 * Could the planner's answer have been held down by size alone?  Not if
 * parallelism is off, this is a standalone backend, the table is temporary
 * (workers cannot read it), its parallel_workers option decides, or the
 * index has expressions or a predicate (which might not be parallel safe):
 * the planner's other reasons for none.
 */
static bool
onlySizeMatters(Relation heap, Relation index)
{
	return IsUnderPostmaster &&
		max_parallel_maintenance_workers > 0 &&
		heap->rd_rel->relpersistence != RELPERSISTENCE_TEMP &&
		OidIsValid(heap->rd_rel->reltoastrelid) &&
		RelationGetParallelWorkers(heap, -1) == -1 &&
		RelationGetIndexExpressions(index) == NIL &&
		RelationGetIndexPredicate(index) == NIL;
}

int
VectorBuildWorkers(Relation heap, Relation index)
{
	int			workers;
	Relation	toast;
	double		pages;
	double		threshold;

	workers = plan_create_index_workers(RelationGetRelid(heap),
										RelationGetRelid(index));
	if (workers > 0 || !onlySizeMatters(heap, index))
		return workers;

	toast = table_open(heap->rd_rel->reltoastrelid, AccessShareLock);
	pages = (double) RelationGetNumberOfBlocks(heap) +
		(double) RelationGetNumberOfBlocks(toast);
	table_close(toast, AccessShareLock);

	threshold = Max(min_parallel_table_scan_size, 1);
	if (pages >= threshold)
	{
		workers = 1;
		while (pages >= threshold * 3 &&
			   workers < max_parallel_maintenance_workers)
		{
			workers++;
			threshold *= 3;
		}
	}
	workers = Min(workers, max_parallel_maintenance_workers);
	while (workers > 0 && maintenance_work_mem / (workers + 1) < 32768L)
		workers--;

	if (workers > 0)
		elog(DEBUG1, "index \"%s\": %d parallel workers planned from %.0f pages of table and TOAST",
			 RelationGetRelationName(index), workers, pages);
	return workers;
}
