/* Placeholder: the ivf access method lands here. */
#include "postgres.h"
#include "ivf/ivf_init.h"

void
IvfInit(void)
{
}
