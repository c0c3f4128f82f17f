/*
 * fuzz_sparsevec_recv.c
 *	  libFuzzer harness for sparsevec_recv (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparsevec_recv.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(sparsevec, BinaryInput)
