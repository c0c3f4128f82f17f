/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Pure C distance kernels and the per-CPU function table.
 *
 * Nothing in src/distance depends on PostgreSQL: no palloc, no ereport, no
 * fmgr.  The kernels can therefore be unit-tested and benchmarked without a
 * server (test/unit, test/bench).  Callers check dimensions before calling;
 * kernels only assert them.
 *
 * Each kernel family has a scalar variant and SIMD variants compiled with
 * per-function target attributes (no -march flags), so one binary runs on
 * any x86-64 and picks the best variant once at load time.
 *
 * IDENTIFICATION
 *	  src/distance/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_DISTANCE_H
#define VECTOR_DISTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The benchmark links a second copy of src/distance, built without
 * auto-vectorization, beside the normal one.  Defining VECTOR_KERNEL_PREFIX
 * while compiling that copy renames each of its external symbols (e.g. to
 * novec_VectorKernelsGet) so that the two copies do not collide.  Normal
 * builds leave it undefined and nothing changes.
 */
#ifdef VECTOR_KERNEL_PREFIX
#define VK_PASTE2(p, s) p##s
#define VK_PASTE(p, s) VK_PASTE2(p, s)
#define vector_kernels VK_PASTE(VECTOR_KERNEL_PREFIX, vector_kernels)
#define VectorKernelsInit VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsInit)
#define VectorKernelsGet VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsGet)
#define HalfToFloat VK_PASTE(VECTOR_KERNEL_PREFIX, HalfToFloat)
#define FloatToHalf VK_PASTE(VECTOR_KERNEL_PREFIX, FloatToHalf)
#endif

typedef enum VectorKernelVariant
{
	VECTOR_KERNEL_SCALAR = 0,
	VECTOR_KERNEL_AVX2,			/* AVX2 + FMA (+ F16C, POPCNT) */
	VECTOR_KERNEL_AVX512,		/* AVX-512F (+ VPOPCNTDQ where present) */
	VECTOR_KERNEL_NVARIANTS
} VectorKernelVariant;

/*
 * One table of kernels.  float4 kernels take n elements; half kernels take
 * n IEEE binary16 values stored as uint16_t; bit kernels take nbytes bytes.
 *
 * Semantics shared by every variant:
 *	- n >= 1 (nbytes >= 1); pointers need no alignment beyond that of the
 *	  element type, and no kernel reads past the last element.
 *	- l2sq returns the SQUARED Euclidean distance; take sqrt yourself.
 *	- dot returns the plain inner product (not negated).
 *	- half inputs are widened exactly to float; from there on the half
 *	  kernels compute exactly like the float4 ones.
 *	- all sums are accumulated in float, in several partial sums (lanes and
 *	  accumulators) that are added at the end; so results differ between
 *	  variants in the last bits.  No chain of dependent additions is
 *	  longer than about n/8 + 4, so the error stays below about
 *	  (n/8 + 5) * 2^-24 times the sum of the absolute values of the terms.
 *	- NaN and infinity propagate as IEEE arithmetic says; no clamping.
 *	- bit kernels are exact.
 */
typedef struct VectorKernels
{
	const char *name;

	/* float4 */
	float		(*l2sq_f32) (const float *a, const float *b, int n);
	float		(*dot_f32) (const float *a, const float *b, int n);
	/* dot product and both squared norms in one pass, for cosine */
	void		(*cos_parts_f32) (const float *a, const float *b, int n,
								  float *dot, float *na, float *nb);
	float		(*l1_f32) (const float *a, const float *b, int n);

	/* binary16 */
	float		(*l2sq_f16) (const uint16_t *a, const uint16_t *b, int n);
	float		(*dot_f16) (const uint16_t *a, const uint16_t *b, int n);
	void		(*cos_parts_f16) (const uint16_t *a, const uint16_t *b, int n,
								  float *dot, float *na, float *nb);
	float		(*l1_f16) (const uint16_t *a, const uint16_t *b, int n);

	/* bits */
	uint64_t	(*hamming) (const uint8_t *a, const uint8_t *b, size_t nbytes);
	/* popcount(a & b) and popcount(a | b) in one pass, for Jaccard */
	void		(*and_or_count) (const uint8_t *a, const uint8_t *b,
								 size_t nbytes, uint64_t *and_count,
								 uint64_t *or_count);

	/*
	 * out[i] = FloatToHalf(x[i]) for n >= 0 floats: round to nearest even,
	 * beyond the half range to infinity; NaNs stay NaN (their payloads may
	 * differ between variants)
	 */
	void		(*f32_to_f16) (const float *x, uint16_t *out, int n);
} VectorKernels;

/* The table chosen by VectorKernelsInit(); all callers go through it. */
extern VectorKernels vector_kernels;

/* Pick the best variant for this CPU.  Idempotent; call once at load. */
extern void VectorKernelsInit(void);

/*
 * Fill *out with one specific variant.  Returns false (and leaves *out
 * untouched) when the CPU or the compiler lacks it.  Used by unit tests and
 * benchmarks to compare variants.
 */
extern bool VectorKernelsGet(VectorKernelVariant variant, VectorKernels *out);

/* binary16 <-> float conversion, exact round-to-nearest-even, scalar */
extern float HalfToFloat(uint16_t h);
extern uint16_t FloatToHalf(float f);

/* Cosine distance from the parts; NaN when either norm is zero. */
static inline double
CosineDistanceFromParts(double dot, double na, double nb)
{
	double		sim;

	/* 0/0 yields NaN, as users of pgvector expect */
	sim = dot / __builtin_sqrt(na * nb);
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}

#endif							/* VECTOR_DISTANCE_H */
