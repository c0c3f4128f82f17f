/*-------------------------------------------------------------------------
 *
 * ivfkmeans.c
 *	  k-means for the ivfflat build: seeding, Lloyd iterations with
 *	  Hamerly bounds, and a batched assignment kernel.
 *
 * Everything here works on plain float arrays (row-major, dims per row) and
 * never touches buffers.  The build converts sampled values to floats with
 * the opclass's IvfTypeOps and converts the centers back.
 *
 * Distances inside k-means are Euclidean.  Spherical k-means (inner product
 * and cosine opclasses) runs on normalised samples and renormalises centers
 * after every update; on the unit sphere the nearest center by Euclidean
 * distance is the one with the largest inner product, so the same bounds
 * apply.  See src/ivf/README, "Build".
 *
 * IDENTIFICATION
 *	  src/ivf/ivfkmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "distance/distance.h"
#include "ivf/ivf.h"

/* Lloyd iterations stop after this many even when points still move. */
#define IVF_KMEANS_MAX_ITERATIONS	20

/* Points scored together against all centers in IvfAssignBatch. */
#define IVF_ASSIGN_BLOCK			4

/* Fixed seed: the same input and settings give the same index. */
#define IVF_KMEANS_SEED				0x5EED1F

/* Rows of the transposed center matrix are padded to this many floats. */
#define IVF_CENTER_PAD				8

typedef float v8f __attribute__((vector_size(32), aligned(4)));

static inline int
paddedCount(int k)
{
	return (k + IVF_CENTER_PAD - 1) / IVF_CENTER_PAD * IVF_CENTER_PAD;
}

/*
 * Lay centers out dimension-major (centersT[j * kpad + c]), so that one
 * point's inner products with all centers are computed by a loop over
 * dimensions whose body is a vector multiply-add over centers: no horizontal
 * sums, and one pass over the matrix serves IVF_ASSIGN_BLOCK points.  cnorms
 * gets each center's squared norm, or zero when scoring by inner product
 * only (spherical).  centersT must hold dims * paddedCount(k) floats and
 * cnorms paddedCount(k).
 */
void
IvfTransposeCenters(const float *centers, int k, int dims, bool spherical,
					float *centersT, float *cnorms)
{
	int			kpad = paddedCount(k);

	memset(centersT, 0, sizeof(float) * dims * kpad);
	for (int c = 0; c < kpad; c++)
	{
		double		norm = 0;

		if (c < k)
		{
			for (int j = 0; j < dims; j++)
			{
				float		v = centers[(Size) c * dims + j];

				centersT[(Size) j * kpad + c] = v;
				norm += (double) v * v;
			}
		}
		/* padding centers never win */
		cnorms[c] = c >= k ? FLT_MAX : (spherical ? 0 : (float) norm);
	}
}

/*
 * Inner products of npts points (npts <= IVF_ASSIGN_BLOCK) with all kpad
 * centers into dots[p * kpad + c].  Compiled twice, and the AVX2 clone is
 * picked at load time on CPUs that have it.
 */
__attribute__((target_clones("arch=haswell", "default")))
static void
dotBlock(const float *const *pts, int npts, int dims,
		 const float *centersT, int kpad, float *dots)
{
	memset(dots, 0, sizeof(float) * npts * kpad);
	for (int j = 0; j < dims; j++)
	{
		const float *row = centersT + (Size) j * kpad;

		for (int p = 0; p < npts; p++)
		{
			float		xj = pts[p][j];
			v8f			xv = {xj, xj, xj, xj, xj, xj, xj, xj};
			float	   *acc = dots + (Size) p * kpad;

			for (int c = 0; c < kpad; c += IVF_CENTER_PAD)
			{
				v8f			a = *(const v8f *) (acc + c);

				a += xv * *(const v8f *) (row + c);
				*(v8f *) (acc + c) = a;
			}
		}
	}
}

/*
 * Score a block of points against all centers: score = |c|^2 - 2 x.c, which
 * orders centers as the squared Euclidean distance does (or -x.c when cnorms
 * are zero).  Returns best and second-best center and their scores.
 */
static void
scoreBlock(const float *const *pts, int npts, int dims,
		   const float *centersT, const float *cnorms, int k,
		   float *dots, int *best, float *bestScore, float *secondScore)
{
	int			kpad = paddedCount(k);

	dotBlock(pts, npts, dims, centersT, kpad, dots);
	for (int p = 0; p < npts; p++)
	{
		const float *d = dots + (Size) p * kpad;
		float		b1 = FLT_MAX,
					b2 = FLT_MAX;
		int			bi = 0;

		for (int c = 0; c < k; c++)
		{
			float		s = cnorms[c] - 2 * d[c];

			if (s < b1)
			{
				b2 = b1;
				b1 = s;
				bi = c;
			}
			else if (s < b2)
				b2 = s;
		}
		best[p] = bi;
		bestScore[p] = b1;
		if (secondScore)
			secondScore[p] = b2;
	}
}

/*
 * Nearest center of each of n points (row-major in x) into assign[].
 * centersT and cnorms come from IvfTransposeCenters; scratch must hold
 * IVF_ASSIGN_BLOCK * paddedCount(k) floats.  Ties go to the lower center.
 */
void
IvfAssignBatch(const float *x, int n, int dims, const float *centersT,
			   const float *cnorms, int k, bool spherical, int *assign,
			   float *scratch)
{
	for (int i = 0; i < n; i += IVF_ASSIGN_BLOCK)
	{
		const float *pts[IVF_ASSIGN_BLOCK] = {0};
		float		bestScore[IVF_ASSIGN_BLOCK];
		int			npts = Min(IVF_ASSIGN_BLOCK, n - i);

		for (int p = 0; p < npts; p++)
			pts[p] = x + (Size) (i + p) * dims;
		scoreBlock(pts, npts, dims, centersT, cnorms, k, scratch,
				   assign + i, bestScore, NULL);
	}
}

static void
normalizeRow(float *x, int dims)
{
	double		norm = 0;

	for (int j = 0; j < dims; j++)
		norm += (double) x[j] * x[j];
	norm = sqrt(norm);
	if (norm > 0)
		for (int j = 0; j < dims; j++)
			x[j] = (float) (x[j] / norm);
}

/*
 * k-means++ seeding (Arthur & Vassilvitskii) on the first m samples, which
 * are already a random subset of the table.  Each pick costs one distance
 * per candidate, so m is kept to a few times k.
 */
static void
seedCenters(const float *samples, int n, int dims, int k, float *centers,
			pg_prng_state *rng)
{
	int			m = Min(n, 4 * k + 256);
	double	   *mind = palloc(sizeof(double) * m);
	int			first = (int) pg_prng_uint64_range(rng, 0, m - 1);

	memcpy(centers, samples + (Size) first * dims, sizeof(float) * dims);
	for (int i = 0; i < m; i++)
		mind[i] = vector_kernels.l2sq_f32(samples + (Size) i * dims,
										  centers, dims);
	for (int c = 1; c < k; c++)
	{
		double		total = 0,
					target;
		int			pick = m - 1;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < m; i++)
			total += mind[i];
		target = pg_prng_double(rng) * total;
		for (int i = 0; i < m; i++)
		{
			target -= mind[i];
			if (target <= 0 && mind[i] > 0)
			{
				pick = i;
				break;
			}
		}
		/* all candidates already centers: duplicates become empty clusters */
		if (total <= 0)
			pick = c % m;
		memcpy(centers + (Size) c * dims, samples + (Size) pick * dims,
			   sizeof(float) * dims);
		for (int i = 0; i < m; i++)
		{
			double		d = vector_kernels.l2sq_f32(samples + (Size) i * dims,
													centers + (Size) c * dims,
													dims);

			if (d < mind[i])
				mind[i] = d;
		}
	}
	pfree(mind);
}

/* State of Hamerly's algorithm (Hamerly 2010, Alg. 2) */
typedef struct KmeansState
{
	const float *x;
	int			n;
	int			dims;
	int			k;
	bool		spherical;
	float	   *centers;
	int		   *assign;
	float	   *upper;			/* >= distance to own center */
	float	   *lower;			/* <= distance to any other center */
	float	   *xnorm;			/* |x|^2 */
	int		   *counts;
	float	   *half;			/* half the distance to the nearest center */
	float	   *drift;
	float	   *centersT;
	float	   *cnorms;
	float	   *scratch;
} KmeansState;

/* Full assignment of a block of points; sets assign, upper and lower. */
static void
assignFull(KmeansState *st, const int *idx, int npts)
{
	const float *pts[IVF_ASSIGN_BLOCK] = {0};
	int			best[IVF_ASSIGN_BLOCK];
	float		b1[IVF_ASSIGN_BLOCK],
				b2[IVF_ASSIGN_BLOCK];

	for (int p = 0; p < npts; p++)
		pts[p] = st->x + (Size) idx[p] * st->dims;
	scoreBlock(pts, npts, st->dims, st->centersT, st->cnorms, st->k,
			   st->scratch, best, b1, b2);
	for (int p = 0; p < npts; p++)
	{
		int			i = idx[p];

		st->assign[i] = best[p];
		st->upper[i] = sqrtf(Max(0, st->xnorm[i] + b1[p]));
		st->lower[i] = st->k > 1 ? sqrtf(Max(0, st->xnorm[i] + b2[p])) : FLT_MAX;
	}
}

/*
 * Give every empty cluster the point farthest from its center among
 * clusters with more than one point, so that no list starts empty when the
 * data allows it.
 */
static void
fillEmptyClusters(KmeansState *st)
{
	for (int c = 0; c < st->k; c++)
	{
		int			far = -1;

		if (st->counts[c] > 0)
			continue;
		for (int i = 0; i < st->n; i++)
			if (st->counts[st->assign[i]] > 1 &&
				(far < 0 || st->upper[i] > st->upper[far]))
				far = i;
		if (far < 0)
			break;
		st->counts[st->assign[far]]--;
		st->assign[far] = c;
		st->counts[c] = 1;
		st->upper[far] = 0;
		st->lower[far] = 0;
	}
}

/* Move centers to the mean of their points; returns the largest drift. */
static void
updateCenters(KmeansState *st, float *maxDrift, float *secondDrift,
			  int *maxCenter)
{
	int			dims = st->dims;
	double	   *sums = palloc0(sizeof(double) * st->k * dims);

	memset(st->counts, 0, sizeof(int) * st->k);
	for (int i = 0; i < st->n; i++)
		st->counts[st->assign[i]]++;
	fillEmptyClusters(st);
	for (int i = 0; i < st->n; i++)
	{
		double	   *s = sums + (Size) st->assign[i] * dims;
		const float *x = st->x + (Size) i * dims;

		for (int j = 0; j < dims; j++)
			s[j] += x[j];
	}
	*maxDrift = *secondDrift = 0;
	*maxCenter = -1;
	for (int c = 0; c < st->k; c++)
	{
		float	   *center = st->centers + (Size) c * dims;
		float	   *newc = st->scratch;
		float		d;

		if (st->counts[c] == 0)
		{
			st->drift[c] = 0;
			continue;
		}
		for (int j = 0; j < dims; j++)
			newc[j] = (float) (sums[(Size) c * dims + j] / st->counts[c]);
		if (st->spherical)
			normalizeRow(newc, dims);
		d = sqrtf(vector_kernels.l2sq_f32(center, newc, dims));
		memcpy(center, newc, sizeof(float) * dims);
		st->drift[c] = d;
		if (d > *maxDrift)
		{
			*secondDrift = *maxDrift;
			*maxDrift = d;
			*maxCenter = c;
		}
		else if (d > *secondDrift)
			*secondDrift = d;
	}
	pfree(sums);
}

/* half[c] = half the distance from center c to its nearest other center */
static void
computeHalfDistances(KmeansState *st)
{
	int			kpad = paddedCount(st->k);

	for (int c = 0; c < st->k; c += IVF_ASSIGN_BLOCK)
	{
		const float *pts[IVF_ASSIGN_BLOCK] = {0};
		int			npts = Min(IVF_ASSIGN_BLOCK, st->k - c);

		for (int p = 0; p < npts; p++)
			pts[p] = st->centers + (Size) (c + p) * st->dims;
		dotBlock(pts, npts, st->dims, st->centersT, kpad, st->scratch);
		for (int p = 0; p < npts; p++)
		{
			float		best = FLT_MAX;

			for (int o = 0; o < st->k; o++)
			{
				float		d2;

				if (o == c + p)
					continue;
				d2 = st->cnorms[c + p] + st->cnorms[o] -
					2 * st->scratch[(Size) p * kpad + o];
				if (d2 < best)
					best = d2;
			}
			st->half[c + p] = best == FLT_MAX ? FLT_MAX : 0.5f * sqrtf(Max(0, best));
		}
	}
}

/*
 * One Hamerly iteration after the centers moved: loosen the bounds by the
 * drift, then recompute only the points whose bounds no longer prove their
 * assignment.  Returns how many points changed center.
 */
static int
hamerlyPass(KmeansState *st, float maxDrift, float secondDrift, int maxCenter,
			int *pending)
{
	int			npending = 0;
	int			changed = 0;

	IvfTransposeCenters(st->centers, st->k, st->dims, false,
						st->centersT, st->cnorms);
	computeHalfDistances(st);
	for (int i = 0; i < st->n; i++)
	{
		int			a = st->assign[i];
		float		z;

		st->upper[i] += st->drift[a];
		st->lower[i] -= (a == maxCenter) ? secondDrift : maxDrift;
		z = Max(st->lower[i], st->half[a]);
		if (st->upper[i] <= z)
			continue;
		st->upper[i] = sqrtf(vector_kernels.l2sq_f32(st->x + (Size) i * st->dims,
													 st->centers + (Size) a * st->dims,
													 st->dims));
		if (st->upper[i] <= z)
			continue;
		pending[npending++] = i;
		if (npending == IVF_ASSIGN_BLOCK || i == st->n - 1)
		{
			for (int p = 0; p < npending; p++)
				pending[IVF_ASSIGN_BLOCK + p] = st->assign[pending[p]];
			assignFull(st, pending, npending);
			for (int p = 0; p < npending; p++)
				if (st->assign[pending[p]] != pending[IVF_ASSIGN_BLOCK + p])
					changed++;
			npending = 0;
		}
	}
	if (npending > 0)
	{
		for (int p = 0; p < npending; p++)
			pending[IVF_ASSIGN_BLOCK + p] = st->assign[pending[p]];
		assignFull(st, pending, npending);
		for (int p = 0; p < npending; p++)
			if (st->assign[pending[p]] != pending[IVF_ASSIGN_BLOCK + p])
				changed++;
	}
	return changed;
}

static void
lloyd(KmeansState *st)
{
	int			pending[2 * IVF_ASSIGN_BLOCK];

	IvfTransposeCenters(st->centers, st->k, st->dims, false,
						st->centersT, st->cnorms);
	for (int i = 0; i < st->n; i += IVF_ASSIGN_BLOCK)
	{
		int			npts = Min(IVF_ASSIGN_BLOCK, st->n - i);

		for (int p = 0; p < npts; p++)
			pending[p] = i + p;
		assignFull(st, pending, npts);
	}
	for (int iter = 0; iter < IVF_KMEANS_MAX_ITERATIONS; iter++)
	{
		float		maxDrift,
					secondDrift;
		int			maxCenter;

		CHECK_FOR_INTERRUPTS();
		updateCenters(st, &maxDrift, &secondDrift, &maxCenter);
		if (maxDrift == 0)
			break;
		if (hamerlyPass(st, maxDrift, secondDrift, maxCenter, pending) == 0)
			break;
	}
}

/*
 * Cluster nsamples rows of dims floats into k centers (row-major, k * dims
 * floats, caller-allocated).  Samples must already be normalised when
 * spherical.  With no samples the centers are random; with fewer samples
 * than k some centers repeat, and their lists stay empty.  Deterministic.
 * Allocates O((nsamples + k) * dims) in the current memory context.
 */
void
IvfKmeans(const float *samples, int nsamples, int dims, int k,
		  bool spherical, float *centers)
{
	pg_prng_state rng;
	KmeansState st;
	int			kpad = paddedCount(k);

	pg_prng_seed(&rng, IVF_KMEANS_SEED);
	if (nsamples == 0)
	{
		for (Size i = 0; i < (Size) k * dims; i++)
			centers[i] = (float) (pg_prng_double(&rng) * 2 - 1);
		if (spherical)
			for (int c = 0; c < k; c++)
				normalizeRow(centers + (Size) c * dims, dims);
		return;
	}
	if (nsamples <= k)
	{
		for (int c = 0; c < k; c++)
			memcpy(centers + (Size) c * dims,
				   samples + (Size) (c % nsamples) * dims, sizeof(float) * dims);
		return;
	}

	seedCenters(samples, nsamples, dims, k, centers, &rng);

	st.x = samples;
	st.n = nsamples;
	st.dims = dims;
	st.k = k;
	st.spherical = spherical;
	st.centers = centers;
	st.assign = palloc(sizeof(int) * nsamples);
	st.upper = palloc(sizeof(float) * nsamples);
	st.lower = palloc(sizeof(float) * nsamples);
	st.xnorm = palloc(sizeof(float) * nsamples);
	st.counts = palloc(sizeof(int) * k);
	st.half = palloc(sizeof(float) * k);
	st.drift = palloc(sizeof(float) * k);
	st.centersT = palloc(sizeof(float) * (Size) dims * kpad);
	st.cnorms = palloc(sizeof(float) * kpad);
	st.scratch = palloc(sizeof(float) * Max((Size) IVF_ASSIGN_BLOCK * kpad, dims));
	for (int i = 0; i < nsamples; i++)
		st.xnorm[i] = vector_kernels.dot_f32(samples + (Size) i * dims,
											 samples + (Size) i * dims, dims);
	lloyd(&st);

	pfree(st.assign);
	pfree(st.upper);
	pfree(st.lower);
	pfree(st.xnorm);
	pfree(st.counts);
	pfree(st.half);
	pfree(st.drift);
	pfree(st.centersT);
	pfree(st.cnorms);
	pfree(st.scratch);
}
