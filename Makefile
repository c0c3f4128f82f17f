# Makefile for the vector extension (PGXS)
#
# Sources, install-script fragments, regression tests, isolation specs and TAP
# tests are found by wildcard, so adding a file needs no edit here:
#   src/*.c src/*/*.c      -> OBJS of vector.so
#   sql/install/*.sql      -> concatenated, in name order, into the install script
#   sql/*.sql              -> pg_regress tests (expected/*.out)
#   test/specs/*.spec      -> isolation tests (test/expected/*.out)
#   test/t/*.pl            -> TAP tests
#
# The whole suite, on a throwaway cluster, is scripts/test (see README.md).

EXTENSION = vector
EXTVERSION = 0.1.0

MODULE_big = vector
SRCS = $(sort $(wildcard src/*.c src/*/*.c))
OBJS = $(SRCS:.c=.o)
HEADERS = $(wildcard src/*/*.h src/*.h)

DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
INSTALL_FRAGMENTS = $(sort $(wildcard sql/install/*.sql))

REGRESS = $(sort $(basename $(notdir $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

ISOLATION = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)

TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

EXTRA_CLEAN = $(DATA_built) output_iso

PG_CPPFLAGS = -I$(srcdir)/src
# -Wextra is on; these three are off because PostgreSQL's own headers and the
# fmgr calling convention (PG_FUNCTION_ARGS) trip them everywhere.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
ifdef WERROR
PG_CFLAGS += -Werror
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# No LLVM bitcode: it would make clang a build dependency for no gain, since
# the hot paths are the SIMD kernels, not SQL expressions.
with_llvm = no

# No -march=native: one build must run on every x86-64.  SIMD variants are
# chosen at run time (src/distance).
override CFLAGS := $(filter-out -march=%,$(CFLAGS))

# Rebuild objects when a header they include changes: gcc writes a .d file
# beside each object (PGXS's own autodepend would name them by base name
# only, and src/vector.c and src/type/vector.c would collide).
override CFLAGS += -MMD -MP
-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

$(DATA_built): $(INSTALL_FRAGMENTS)
	cat $^ > $@

all: $(DATA_built)

.PHONY: unit
unit:
	$(MAKE) -C test/unit check

# The pg_regress suite with postgres under valgrind memcheck (slow; see
# scripts/test-valgrind), and the fuzzers for a long run (FUZZ_SECONDS each).
.PHONY: valgrind-check fuzz
valgrind-check:
	$(srcdir)/scripts/test-valgrind

fuzz:
	$(MAKE) -C test/fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600)
