/*-------------------------------------------------------------------------
 *
 * bench_distance.c
 *	  Micro-benchmark of the distance kernels, one table row per
 *	  (kernel, dimensions, variant).
 *
 * Besides the variants of VectorKernelsGet(), the binary links a second
 * copy of src/distance built with -fno-tree-vectorize
 * -fno-tree-slp-vectorize and VECTOR_KERNEL_PREFIX=novec_ (see the
 * Makefile); its scalar table, "novec-scalar", is the baseline of the
 * speed-up column: plain one-element-at-a-time code with no SIMD at all.
 *
 * Each cell loops over a pool of vector pairs sized to stay in L2 (at most
 * 512 kB, at most 256 pairs), so we measure the kernels rather than DRAM.
 * A cell runs about 0.2 s in total: the best of three timed runs, after a
 * warm-up, with CLOCK_MONOTONIC.  Every result is added into a volatile
 * sink so the calls cannot be optimized away.  GB/s counts the bytes of
 * both inputs read per call.
 *
 * IDENTIFICATION
 *	  test/bench/bench_distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "distance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* from the second, non-vectorized build of src/distance */
extern bool novec_VectorKernelsGet(VectorKernelVariant variant,
								   VectorKernels *out);

#define POOL_BYTES	(512 * 1024)
#define MAX_PAIRS	256
#define CELL_SECONDS 0.2
#define RUNS		3

typedef enum KernelId
{
	K_L2SQ_F32,
	K_DOT_F32,
	K_COS_F32,
	K_L1_F32,
	K_L2SQ_F16,
	K_DOT_F16,
	K_COS_F16,
	K_L1_F16,
	K_HAMMING,
	K_AND_OR,
	K_NKERNELS
} KernelId;

static const char *const kernel_names[K_NKERNELS] = {
	"l2sq_f32", "dot_f32", "cos_parts_f32", "l1_f32",
	"l2sq_f16", "dot_f16", "cos_parts_f16", "l1_f16",
	"hamming", "and_or_count"
};

typedef struct Variant
{
	const char *name;
	VectorKernels k;
} Variant;

static volatile double sink;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* bytes of one input vector; for the bit kernels dims counts bits */
static size_t
vector_bytes(KernelId kid, int dims)
{
	if (kid <= K_L1_F32)
		return (size_t) dims * sizeof(float);
	if (kid <= K_L1_F16)
		return (size_t) dims * sizeof(uint16_t);
	return (size_t) dims / 8;
}

/*
 * One pass over the pool: every pair once.  The kernel pointer is loaded
 * from the table outside the loop, so all variants pay the same indirect
 * call.
 */
static double
run_pass(const VectorKernels *k, KernelId kid, int dims,
		 const uint8_t *pool, size_t stride, int npairs)
{
	double		acc = 0;
	float		d,
				na,
				nb;
	uint64_t	ac,
				oc;
	int			p;

	for (p = 0; p < npairs; p++)
	{
		const uint8_t *a = pool + (size_t) (2 * p) * stride;
		const uint8_t *b = a + stride;

		switch (kid)
		{
			case K_L2SQ_F32:
				acc += k->l2sq_f32((const float *) a, (const float *) b, dims);
				break;
			case K_DOT_F32:
				acc += k->dot_f32((const float *) a, (const float *) b, dims);
				break;
			case K_COS_F32:
				k->cos_parts_f32((const float *) a, (const float *) b, dims,
								 &d, &na, &nb);
				acc += d + na + nb;
				break;
			case K_L1_F32:
				acc += k->l1_f32((const float *) a, (const float *) b, dims);
				break;
			case K_L2SQ_F16:
				acc += k->l2sq_f16((const uint16_t *) a, (const uint16_t *) b,
								   dims);
				break;
			case K_DOT_F16:
				acc += k->dot_f16((const uint16_t *) a, (const uint16_t *) b,
								  dims);
				break;
			case K_COS_F16:
				k->cos_parts_f16((const uint16_t *) a, (const uint16_t *) b,
								 dims, &d, &na, &nb);
				acc += d + na + nb;
				break;
			case K_L1_F16:
				acc += k->l1_f16((const uint16_t *) a, (const uint16_t *) b,
								 dims);
				break;
			case K_HAMMING:
				acc += (double) k->hamming(a, b, (size_t) dims / 8);
				break;
			case K_AND_OR:
				k->and_or_count(a, b, (size_t) dims / 8, &ac, &oc);
				acc += (double) (ac + oc);
				break;
			case K_NKERNELS:
				break;
		}
	}
	return acc;
}

/* nanoseconds per call, best of RUNS runs */
static double
time_cell(const VectorKernels *k, KernelId kid, int dims,
		  const uint8_t *pool, size_t stride, int npairs)
{
	double		t0,
				t1,
				best = 1e30;
	long		passes = 1;
	long		i;
	int			r;

	/* warm up and calibrate: grow until one run takes >= 10 ms */
	for (;;)
	{
		t0 = now_seconds();
		for (i = 0; i < passes; i++)
			sink += run_pass(k, kid, dims, pool, stride, npairs);
		t1 = now_seconds();
		if (t1 - t0 >= 0.01)
			break;
		passes *= 2;
	}
	passes = (long) ((double) passes * (CELL_SECONDS / RUNS) / (t1 - t0)) + 1;

	for (r = 0; r < RUNS; r++)
	{
		t0 = now_seconds();
		for (i = 0; i < passes; i++)
			sink += run_pass(k, kid, dims, pool, stride, npairs);
		t1 = now_seconds();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best * 1e9 / ((double) passes * npairs);
}

static uint64_t rng_state = UINT64_C(0x0123456789abcdef);

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * Fill the pool with values in (-1, 1): for floats directly, for halves
 * converted, for bits random bytes.  The content does not change the speed
 * of any kernel, but denormals or NaNs could, so keep it ordinary.
 */
static void
fill_pool(uint8_t *pool, size_t bytes, KernelId kid)
{
	size_t		i;

	if (kid <= K_L1_F32)
	{
		float	   *f = (float *) pool;

		for (i = 0; i < bytes / sizeof(float); i++)
			f[i] = (float) ((double) (rng_next() >> 11) * 0x1p-52 - 1.0);
	}
	else if (kid <= K_L1_F16)
	{
		uint16_t   *h = (uint16_t *) pool;

		for (i = 0; i < bytes / sizeof(uint16_t); i++)
			h[i] = FloatToHalf((float) ((double) (rng_next() >> 11) * 0x1p-52 - 1.0));
	}
	else
	{
		for (i = 0; i < bytes; i++)
			pool[i] = (uint8_t) rng_next();
	}
}

int
main(int argc, char **argv)
{
	static const int float_dims[] = {128, 768, 1536};
	Variant		variants[VECTOR_KERNEL_NVARIANTS + 1];
	int			nvariants = 0;
	uint8_t    *pool;
	int			kid;
	int			v;
	int			di;
	char		cpu[256] = "unknown";
	FILE	   *f;

	(void) argc;
	(void) argv;

	/* baseline first: the speed-up column divides by its time */
	variants[0].name = "novec-scalar";
	if (!novec_VectorKernelsGet(VECTOR_KERNEL_SCALAR, &variants[0].k))
		return 1;
	nvariants = 1;
	for (v = 0; v < VECTOR_KERNEL_NVARIANTS; v++)
	{
		if (VectorKernelsGet((VectorKernelVariant) v, &variants[nvariants].k))
		{
			variants[nvariants].name = variants[nvariants].k.name;
			nvariants++;
		}
	}

	f = fopen("/proc/cpuinfo", "r");
	if (f != NULL)
	{
		char		line[512];

		while (fgets(line, sizeof(line), f))
		{
			if (strncmp(line, "model name", 10) == 0)
			{
				char	   *colon = strchr(line, ':');

				if (colon != NULL)
				{
					snprintf(cpu, sizeof(cpu), "%s", colon + 2);
					cpu[strcspn(cpu, "\n")] = '\0';
				}
				break;
			}
		}
		fclose(f);
	}
	printf("CPU: %s\n", cpu);
	printf("pool: at most %d kB and %d vector pairs per cell\n\n",
		   POOL_BYTES / 1024, MAX_PAIRS);

	pool = aligned_alloc(64, POOL_BYTES);
	if (pool == NULL)
		return 1;

	printf("| kernel | dims | variant | ns/call | GB/s | speed-up vs novec-scalar |\n");
	printf("|---|---:|---|---:|---:|---:|\n");

	for (kid = 0; kid < K_NKERNELS; kid++)
	{
		int			ndims = kid >= K_HAMMING ? 1 : 3;

		for (di = 0; di < ndims; di++)
		{
			int			dims = float_dims[kid >= K_HAMMING ? 2 : di];
			size_t		stride = vector_bytes((KernelId) kid, dims);
			int			npairs = (int) (POOL_BYTES / (2 * stride));
			double		base_ns = 0;

			if (npairs > MAX_PAIRS)
				npairs = MAX_PAIRS;
			fill_pool(pool, 2 * stride * (size_t) npairs, (KernelId) kid);

			for (v = 0; v < nvariants; v++)
			{
				double		ns = time_cell(&variants[v].k, (KernelId) kid, dims,
										   pool, stride, npairs);

				if (v == 0)
					base_ns = ns;
				printf("| %s | %d | %s | %.1f | %.1f | %.2fx |\n",
					   kernel_names[kid], dims, variants[v].name, ns,
					   (double) (2 * stride) / ns, base_ns / ns);
				fflush(stdout);
			}
		}
	}
	free(pool);
	return 0;
}
