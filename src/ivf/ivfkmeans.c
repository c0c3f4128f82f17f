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

/*
 * Lloyd iterations stop after this many, or once at most 1/1000 of the
 * points changed lists in an iteration: the last moves barely change the
 * partition, and on large k each iteration costs a fraction of a second.
 */
#define IVF_KMEANS_MAX_ITERATIONS	20
#define IVF_KMEANS_STOP_FRACTION	1000

/*
 * A point whose bounds fail is first matched against this many nearest
 * centers of its own center, which settles most points exactly (see
 * assignByNeighbors) at a fraction of the cost of scoring all centers.
 */
#define IVF_KMEANS_NEIGHBORS		32

/* k-means++ seeding is used while it costs at most this many multiply-adds */
#define IVF_SEEDING_BUDGET			((double) (1 << 30) * 4)

/* Fixed seed: the same input and settings give the same index. */
#define IVF_KMEANS_SEED				0x5EED1F

/* Centers are packed in blocks of this many for the assignment kernel. */
#define IVF_CENTER_BLOCK			16

typedef float v8f __attribute__((vector_size(32), aligned(4)));

/* Number of centers the packed layout holds for k: k rounded up */
int
IvfPaddedCenters(int k)
{
	return (k + IVF_CENTER_BLOCK - 1) / IVF_CENTER_BLOCK * IVF_CENTER_BLOCK;
}

static inline int
paddedCount(int k)
{
	return IvfPaddedCenters(k);
}

/*
 * Pack centers for the assignment kernel: blocks of IVF_CENTER_BLOCK
 * centers, each block dimension-major (packed[(blk * dims + j) * 16 + c % 16]),
 * so that the kernel streams one block sequentially while it keeps the
 * partial inner products of 4 points x 16 centers in registers.  cnorms gets
 * each center's squared norm, or zero when scoring by inner product only
 * (spherical).  packed must hold dims * IvfPaddedCenters(k) floats and
 * cnorms IvfPaddedCenters(k).
 */
void
IvfTransposeCenters(const float *centers, int k, int dims, bool spherical,
					float *packed, float *cnorms)
{
	int			kpad = paddedCount(k);

	memset(packed, 0, sizeof(float) * dims * kpad);
	for (int c = 0; c < kpad; c++)
	{
		double		norm = 0;
		float	   *blk = packed +
			(Size) (c / IVF_CENTER_BLOCK) * dims * IVF_CENTER_BLOCK;

		if (c < k)
		{
			for (int j = 0; j < dims; j++)
			{
				float		v = centers[(Size) c * dims + j];

				blk[(Size) j * IVF_CENTER_BLOCK + c % IVF_CENTER_BLOCK] = v;
				norm += (double) v * v;
			}
		}
		/* padding centers never win */
		cnorms[c] = c >= k ? FLT_MAX : (spherical ? 0 : (float) norm);
	}
}

/*
 * Inner products of IVF_ASSIGN_BLOCK points with all kpad centers into
 * dots[p * kpad + c]: a register-blocked micro-kernel (4 points x 16
 * centers, 8 accumulators).  The body is written with GCC vector types and
 * compiled twice by the macro below: for AVX2+FMA and for baseline x86-64
 * (or whatever the target is); dotBlock picks one at first use.
 */
#define DOT_BLOCK_BODY \
{ \
	for (int cb = 0; cb < kpad / IVF_CENTER_BLOCK; cb++) \
	{ \
		const float *blk = packed + (Size) cb * dims * IVF_CENTER_BLOCK; \
		float	   *d = dots + cb * IVF_CENTER_BLOCK; \
		v8f			a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, \
					a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0}; \
 \
		for (int j = 0; j < dims; j++) \
		{ \
			v8f			r0 = *(const v8f *) (blk + j * IVF_CENTER_BLOCK); \
			v8f			r1 = *(const v8f *) (blk + j * IVF_CENTER_BLOCK + 8); \
			float		x0 = p0[j], x1 = p1[j], x2 = p2[j], x3 = p3[j]; \
 \
			a00 += x0 * r0; a01 += x0 * r1; \
			a10 += x1 * r0; a11 += x1 * r1; \
			a20 += x2 * r0; a21 += x2 * r1; \
			a30 += x3 * r0; a31 += x3 * r1; \
		} \
		*(v8f *) (d) = a00; *(v8f *) (d + 8) = a01; \
		*(v8f *) (d + kpad) = a10; *(v8f *) (d + kpad + 8) = a11; \
		*(v8f *) (d + 2 * kpad) = a20; *(v8f *) (d + 2 * kpad + 8) = a21; \
		*(v8f *) (d + 3 * kpad) = a30; *(v8f *) (d + 3 * kpad + 8) = a31; \
	} \
}

typedef void (*DotBlockFn) (const float *p0, const float *p1, const float *p2,
							const float *p3, int dims, const float *packed,
							int kpad, float *dots);

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma")))
static void
dotBlockAvx2(const float *p0, const float *p1, const float *p2,
			 const float *p3, int dims, const float *packed, int kpad,
			 float *dots)
DOT_BLOCK_BODY
#endif

static void
dotBlockGeneric(const float *p0, const float *p1, const float *p2,
				const float *p3, int dims, const float *packed, int kpad,
				float *dots)
DOT_BLOCK_BODY

static DotBlockFn dotBlockImpl = NULL;

/*
 * dots must hold IVF_ASSIGN_BLOCK * kpad floats; with fewer than
 * IVF_ASSIGN_BLOCK points the missing ones repeat the first, and their rows
 * of dots are scratch.
 */
static void
dotBlock(const float *const *pts, int npts, int dims,
		 const float *packed, int kpad, float *dots)
{
	if (dotBlockImpl == NULL)
	{
		dotBlockImpl = dotBlockGeneric;
#if defined(__x86_64__) && defined(__GNUC__)
		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
			dotBlockImpl = dotBlockAvx2;
#endif
	}
	dotBlockImpl(pts[0], pts[npts > 1 ? 1 : 0], pts[npts > 2 ? 2 : 0],
				 pts[npts > 3 ? 3 : 0], dims, packed, kpad, dots);
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

		CHECK_FOR_INTERRUPTS();
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
	int			nnbr;			/* neighbours kept per center */
	int		   *nbr;			/* k x nnbr nearest other centers */
	float	   *nbrRadius;		/* distance to the nnbr-th neighbour */
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
		CHECK_FOR_INTERRUPTS();
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

/*
 * Keep the m smallest of (d2, o) pairs in ascending order, m >= 1.
 */
static inline void
keepNearest(float *bestd, int *besto, int *n, int m, float d2, int o)
{
	int			pos;

	if (*n == m && d2 >= bestd[m - 1])
		return;
	pos = (*n < m) ? (*n)++ : m - 1;
	while (pos > 0 && bestd[pos - 1] > d2)
	{
		bestd[pos] = bestd[pos - 1];
		besto[pos] = besto[pos - 1];
		pos--;
	}
	bestd[pos] = d2;
	besto[pos] = o;
}

/*
 * For every center: half the distance to its nearest other center (the s(c)
 * of Hamerly), its nnbr nearest other centers, and the distance to the
 * farthest of those (every other center is at least that far).
 */
static void
computeCenterNeighbors(KmeansState *st)
{
	int			kpad = paddedCount(st->k);
	float	   *bestd = palloc(sizeof(float) * st->nnbr);

	for (int c = 0; c < st->k; c += IVF_ASSIGN_BLOCK)
	{
		const float *pts[IVF_ASSIGN_BLOCK] = {0};
		int			npts = Min(IVF_ASSIGN_BLOCK, st->k - c);

		CHECK_FOR_INTERRUPTS();
		for (int p = 0; p < npts; p++)
			pts[p] = st->centers + (Size) (c + p) * st->dims;
		dotBlock(pts, npts, st->dims, st->centersT, kpad, st->scratch);
		for (int p = 0; p < npts; p++)
		{
			int		   *besto = st->nbr + (Size) (c + p) * st->nnbr;
			int			n = 0;

			for (int o = 0; o < st->k; o++)
			{
				float		d2;

				if (o == c + p)
					continue;
				d2 = st->cnorms[c + p] + st->cnorms[o] -
					2 * st->scratch[(Size) p * kpad + o];
				keepNearest(bestd, besto, &n, st->nnbr, Max(0, d2), o);
			}
			st->half[c + p] = n > 0 ? 0.5f * sqrtf(bestd[0]) : FLT_MAX;
			/* with every other center a neighbour, nothing lies beyond */
			st->nbrRadius[c + p] = (n == st->k - 1) ? FLT_MAX : sqrtf(bestd[n - 1]);
		}
	}
	pfree(bestd);
}

/*
 * Re-assign point i, whose bounds failed, by looking only at its center's
 * neighbours.  By the triangle inequality every other center is at least
 * nbrRadius[a] - u away (u = exact distance to the own center a), so if the
 * best candidate is nearer than that, it is the nearest center of all.
 * Returns false when that cannot be proven; the caller then scores the
 * point against all centers.  Sets assign, upper and lower on success.
 */
static bool
assignByNeighbors(KmeansState *st, int i)
{
	const float *x = st->x + (Size) i * st->dims;
	int			a = st->assign[i];
	float		u = st->upper[i];
	float		beyond = st->nbrRadius[a] - u;
	float		b1 = u,
				b2 = FLT_MAX;
	int			best = a;
	const int  *nbr = st->nbr + (Size) a * st->nnbr;

	if (beyond <= 0 || u > beyond)
		return false;
	for (int n = 0; n < st->nnbr && n < st->k - 1; n++)
	{
		const float *c = st->centers + (Size) nbr[n] * st->dims;
		float		d = sqrtf(vector_kernels.l2sq_f32(x, c, st->dims));

		if (d < b1 || (d == b1 && nbr[n] < best))
		{
			b2 = b1;
			b1 = d;
			best = nbr[n];
		}
		else if (d < b2)
			b2 = d;
	}
	if (b1 > beyond)
		return false;
	st->assign[i] = best;
	st->upper[i] = b1;
	st->lower[i] = Min(b2, beyond);
	return true;
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
	computeCenterNeighbors(st);
	for (int i = 0; i < st->n; i++)
	{
		int			a = st->assign[i];
		float		z;

		CHECK_FOR_INTERRUPTS();
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
		if (assignByNeighbors(st, i))
		{
			if (st->assign[i] != a)
				changed++;
			continue;
		}
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

		CHECK_FOR_INTERRUPTS();
		for (int p = 0; p < npts; p++)
			pending[p] = i + p;
		assignFull(st, pending, npts);
	}
	for (int iter = 0; iter < IVF_KMEANS_MAX_ITERATIONS; iter++)
	{
		float		maxDrift,
					secondDrift;
		int			maxCenter,
					changed;

		CHECK_FOR_INTERRUPTS();
		updateCenters(st, &maxDrift, &secondDrift, &maxCenter);
		if (maxDrift == 0)
			break;
		changed = hamerlyPass(st, maxDrift, secondDrift, maxCenter, pending);
		elog(DEBUG1, "ivfflat k-means iteration %d: %d of %d points moved",
			 iter + 1, changed, st->n);
		if (changed <= st->n / IVF_KMEANS_STOP_FRACTION)
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

	if ((double) Min(nsamples, 4 * k + 256) * k * dims <= IVF_SEEDING_BUDGET)
		seedCenters(samples, nsamples, dims, k, centers, &rng);
	else
	{
		/*
		 * k-means++ costs O(k^2 dims) here; for very many lists take the
		 * first k samples, a random subset already (as FAISS seeds).
		 */
		memcpy(centers, samples, sizeof(float) * (Size) k * dims);
	}

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
	st.nnbr = Min(k - 1, IVF_KMEANS_NEIGHBORS);
	st.nbr = palloc(sizeof(int) * (Size) k * Max(st.nnbr, 1));
	st.nbrRadius = palloc(sizeof(float) * k);
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
	pfree(st.nbr);
	pfree(st.nbrRadius);
	pfree(st.drift);
	pfree(st.centersT);
	pfree(st.cnorms);
	pfree(st.scratch);
}
