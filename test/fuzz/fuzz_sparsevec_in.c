/*
 * fuzz_sparsevec_in.c
 *	  libFuzzer harness for sparsevec_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparsevec_in.c
 */
#include "harness.h"

FUZZ_TARGET(sparsevec, TextInput)
