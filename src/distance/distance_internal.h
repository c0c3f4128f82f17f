/*-------------------------------------------------------------------------
 *
 * distance_internal.h
 *	  Declarations shared only by the files of src/distance.
 *
 * distance.c owns the scalar kernels, CPU detection and the dispatch table;
 * distance_x86.c owns the SIMD kernels.  The functions below are the narrow
 * seam between the two: distance_x86.c fills tables, distance.c decides
 * whether the CPU may use them.
 *
 * IDENTIFICATION
 *	  src/distance/distance_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTOR_DISTANCE_INTERNAL_H
#define VECTOR_DISTANCE_INTERNAL_H

#include "distance.h"

#ifdef VECTOR_KERNEL_PREFIX
#define VectorKernelsFillAvx2 VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsFillAvx2)
#define VectorKernelsFillAvx512 VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsFillAvx512)
#define VectorKernelsFillPopcnt VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsFillPopcnt)
#define VectorKernelsFillVpopcntdq VK_PASTE(VECTOR_KERNEL_PREFIX, VectorKernelsFillVpopcntdq)
#endif

#if defined(__x86_64__)
/*
 * Each of these overwrites entries of *out with SIMD kernels and does no
 * CPU check of its own: the caller must have verified the features first.
 */

/* every entry: AVX2 + FMA + F16C float kernels, POPCNT bit kernels */
extern void VectorKernelsFillAvx2(VectorKernels *out);

/* float and half entries only: AVX-512F kernels */
extern void VectorKernelsFillAvx512(VectorKernels *out);

/* bit entries only: the POPCNT instruction on 64-bit words */
extern void VectorKernelsFillPopcnt(VectorKernels *out);

/* bit entries only: AVX-512 VPOPCNTDQ */
extern void VectorKernelsFillVpopcntdq(VectorKernels *out);
#endif

#endif							/* VECTOR_DISTANCE_INTERNAL_H */
