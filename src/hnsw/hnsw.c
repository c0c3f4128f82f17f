/* Placeholder: the hnsw access method lands here. */
#include "postgres.h"
#include "hnsw/hnsw_init.h"

void
HnswInit(void)
{
}
