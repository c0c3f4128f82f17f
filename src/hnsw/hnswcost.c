/*-------------------------------------------------------------------------
 *
 * hnswcost.c
 *	  Cost estimation of hnsw index scans.
 *
 * An hnsw scan does all its work before returning the first row: it visits
 * about ef_search * 2 * m elements at layer 0 (each a distance computation
 * and, on a cold cache, a page read), plus a few per upper layer.  That is
 * the startup cost.  Beyond the first ef_search rows an iterative scan
 * keeps paying per row, which the total cost charges, so that the planner
 * prefers an exact scan when a selective WHERE clause means many rows must
 * be read to find LIMIT matches.  Without ORDER BY the index is useless.
 *
 * IDENTIFICATION
 *	  src/hnsw/hnswcost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

#include "hnsw/hnsw.h"

void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	Relation	index;
	int			m;
	double		tuples = Max(info->tuples, 1);
	double		visited;
	double		perRow;
	double		randomPageCost;
	double		seqPageCost;

	if (path->indexorderbys == NIL)
	{
		/* hnsw answers only ORDER BY distance */
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	index = index_open(info->indexoid, NoLock);
	m = HnswGetM(index);
	index_close(index, NoLock);

	/* layer 0, plus greedy steps on about log_m(N) upper layers */
	visited = (double) hnsw_ef_search * 2 * m +
		log(tuples) / log((double) m) * m;
	visited = Min(visited, tuples);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = visited;
	genericcostestimate(root, path, loop_count, &costs);

	/*
	 * genericcostestimate charges every page as a random read.  An HNSW
	 * search is only fast when the graph is cached, and its upper layers
	 * and the region around the answer are hot, so charge pages as
	 * sequential reads: CPU (distance computations) is the real cost.
	 */
	get_tablespace_page_costs(info->reltablespace, &randomPageCost,
							  &seqPageCost);
	costs.indexTotalCost -= costs.numIndexPages *
		Max(randomPageCost - seqPageCost, 0);

	/* each further row costs a few neighbour expansions */
	perRow = cpu_index_tuple_cost + 2 * m * cpu_operator_cost;

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost + tuples * perRow;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
