/*
 * fuzz_sparsevec_recv.c
 *	  libFuzzer harness for sparsevec_recv (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparsevec_recv.c
 */
#include "harness.h"

FUZZ_TARGET(sparsevec, BinaryInput)
