/*
 * fuzz_vector_recv.c
 *	  libFuzzer harness for vector_recv (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_recv.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(vector, BinaryInput)
