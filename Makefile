# PGXS build of the wrappers extension (the DynamoDB foreign data wrapper).
#   make && make install     builds and installs into the PostgreSQL that pg_config names
#   make unit                builds and runs the GoogleTest unit tests of src/client
EXTENSION = wrappers
MODULE_big = wrappers
DATA = extension/wrappers--0.1.0.sql
PGFILEDESC = "wrappers - DynamoDB foreign data wrapper"

SRCS := $(wildcard src/client/*.cpp) $(wildcard src/fdw/*.cpp)
OBJS = $(SRCS:.cpp=.o)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK = -lcurl -lssl -lcrypto -lsimdjson -lstdc++

# The bitcode for JIT inlining would need clang; the wrapper's code gains nothing from it.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Postgres's server headers are third-party code to us: no warnings from them.
override CPPFLAGS := $(patsubst -I%,-isystem %,$(filter -I$(shell $(PG_CONFIG) --includedir-server)%,$(CPPFLAGS))) $(filter-out -I$(shell $(PG_CONFIG) --includedir-server)%,$(CPPFLAGS))

$(OBJS): $(wildcard src/client/*.hpp) $(wildcard src/fdw/*.hpp)

unit:
	$(MAKE) -C test/unit check

.PHONY: unit
