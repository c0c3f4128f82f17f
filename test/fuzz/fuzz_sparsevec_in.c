/*
 * fuzz_sparsevec_in.c
 *	  libFuzzer harness for sparsevec_in (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparsevec_in.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(sparsevec, TextInput)
