/*
 * fuzz_sparsevec_typmod_in.c
 *	  libFuzzer harness for sparsevec_typmod_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparsevec_typmod_in.c
 */
#include "harness.h"

FUZZ_TARGET(sparsevec, TypmodInput)
