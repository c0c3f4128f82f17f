/*
 * fuzz_vector_recv.c
 *	  libFuzzer harness for vector_recv (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_recv.c
 */
#include "harness.h"

FUZZ_TARGET(vector, BinaryInput)
