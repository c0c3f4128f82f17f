/*
 * fuzz_halfvec_recv.c
 *	  libFuzzer harness for halfvec_recv (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_halfvec_recv.c
 */
#include "harness.h"

FUZZ_TARGET(halfvec, BinaryInput)
