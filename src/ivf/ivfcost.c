/*-------------------------------------------------------------------------
 *
 * ivfcost.c
 *	  amcostestimate of ivfflat.
 *
 * An ivfflat scan reads probes / lists of the index, computes a distance per
 * entry and heapifies them before it returns its first row, so nearly all
 * of its cost is startup cost.  The planner then compares that with a
 * sequential scan plus top-N sort: with few probes the index wins for
 * ORDER BY distance LIMIT k, and when probes approach lists the exact scan
 * wins, as it should, since it is then no slower and exact.
 *
 * IDENTIFICATION
 *	  src/ivf/ivfcost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>

#include "access/genam.h"
#include "optimizer/cost.h"
#include "utils/selfuncs.h"
#include "utils/rel.h"

#include "ivf/ivf.h"

void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	Relation	index;
	int			lists;
	double		ratio;

	/*
	 * Without ORDER BY the index cannot answer the query; make sure it is
	 * never chosen, even with enable_seqscan off (disable_cost would tie).
	 */
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = DBL_MAX;
		*indexTotalCost = DBL_MAX;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	index = index_open(path->indexinfo->indexoid, NoLock);
	lists = IvfGetLists(index);
	index_close(index, NoLock);

	ratio = Min((double) ivf_probes / lists, 1.0);
	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = path->indexinfo->tuples * ratio;
	genericcostestimate(root, path, loop_count, &costs);

	/* Everything is read before the first row comes back. */
	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
