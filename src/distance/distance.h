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
