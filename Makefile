# assay — build. `make` builds build/release/assay; `make test` builds with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs every test; `make
# fuzz` builds the libFuzzer targets (fuzz/*_fuzz.c) with clang into build/fuzz.
# Sources are found by wildcard, so adding a file to src/<layer>/ or a
# tests/unit/<module>_test.c needs no edit here.

CC      ?= cc
FUZZ_CC ?= clang
PKGS    := libuv sqlite3 libpq expat yaml-0.1 jansson libmicrohttpd libsodium libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-unused-parameter -Wvla
BASE    := -std=c17 -D_GNU_SOURCE -Isrc -DASSAY_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS) -g -MMD -MP
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

MODE    ?= release
ifeq ($(MODE),asan)
  CFLAGS_MODE := -O1 $(SAN)
  LDFLAGS_MODE := $(SAN)
else ifeq ($(MODE),fuzz)
  # The library gets libFuzzer's coverage hooks; only the targets link its main.
  CC := $(FUZZ_CC)
  CFLAGS_MODE := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=all
  LDFLAGS_MODE := -fsanitize=fuzzer,address,undefined
else
  CFLAGS_MODE := -O2
  LDFLAGS_MODE :=
endif

OUT     ?= build/$(MODE)
LIB_SRC := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
SQL     := $(sort $(wildcard src/store/schema/*.sql))
SQL_PG  := $(sort $(wildcard src/store/schema_pg/*.sql))
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/%.o) $(OUT)/gen/schema_sql.o
UNIT_SRC := $(wildcard tests/unit/*_test.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(OUT)/tests/%)
# One libFuzzer target per reader: dropping in fuzz/<format>_fuzz.c (with
# its seeds in fuzz/corpus/<format>/) is all it takes to add one.
FUZZ_NAMES := $(patsubst fuzz/%_fuzz.c,%,$(wildcard fuzz/*_fuzz.c))
FUZZ_BIN := $(FUZZ_NAMES:%=$(OUT)/%_fuzz)
FUZZ_REPLAY_OBJ := $(FUZZ_NAMES:%=$(OUT)/replay/%_fuzz.o)

.PHONY: all lib unit test check clean example bench format fuzz fuzz-targets
all: $(OUT)/assay

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(CFLAGS) -c $< -o $@

# The migrations (SQLite's set and PostgreSQL's) are embedded in the binary
# as one generated C file.
$(OUT)/gen/schema_sql.c: $(SQL) $(SQL_PG) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	@{ sh scripts/embed-sql.sh --header schema_migrations $(SQL) && \
	   sh scripts/embed-sql.sh pg_schema_migrations $(SQL_PG); } > $@.tmp && mv $@.tmp $@

$(OUT)/gen/schema_sql.o: $(OUT)/gen/schema_sql.c
	@$(CC) $(BASE) $(CFLAGS_MODE) -c $< -o $@

$(OUT)/libassay.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(OUT)/assay: $(OUT)/src/cli/main.o $(OUT)/libassay.a
	@echo "  LINK $@"
	@$(CC) $(LDFLAGS_MODE) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libassay.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(shell pkg-config --cflags cmocka) $< -o $@ $(LDFLAGS_MODE) \
	    $(OUT)/libassay.a $(PKG_LIBS) $(shell pkg-config --libs cmocka) -lm

unit: $(UNIT_BIN)

# The fuzz regression test replays every target's seeds and kept crashes in
# this (gcc, sanitized) build: each target is compiled with its entry point
# renamed to fuzz_<format>_one, and the test is given the list of them as
# FUZZ_TARGETS="X(junit) X(tap) ...".
$(OUT)/replay/%_fuzz.o: fuzz/%_fuzz.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(CFLAGS) -DLLVMFuzzerTestOneInput=fuzz_$*_one -c $< -o $@

$(OUT)/tests/fuzz_regress_test: tests/unit/fuzz_regress_test.c $(FUZZ_REPLAY_OBJ) $(OUT)/libassay.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(shell pkg-config --cflags cmocka) \
	    -DFUZZ_TARGETS='$(foreach n,$(FUZZ_NAMES),X($(n)))' $< -o $@ $(LDFLAGS_MODE) \
	    $(FUZZ_REPLAY_OBJ) $(OUT)/libassay.a $(PKG_LIBS) $(shell pkg-config --libs cmocka) -lm

# libFuzzer binaries: build/fuzz/<format>_fuzz (clang; run by scripts/fuzz.sh).
fuzz:
	$(MAKE) MODE=fuzz fuzz-targets

fuzz-targets: $(FUZZ_BIN)

$(OUT)/%_fuzz: fuzz/%_fuzz.c $(OUT)/libassay.a
	@echo "  LINK $@"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(CFLAGS) $< -o $@ $(LDFLAGS_MODE) $(OUT)/libassay.a \
	    $(PKG_LIBS) -lm

# The whole suite, sanitized: unit tests, black-box tests of the binary, and
# a short run of every fuzz target.
test:
	$(MAKE) MODE=asan all unit
	$(MAKE) fuzz
	ASSAY_BUILD=build/asan sh tests/run-all.sh

example: all
	sh scripts/run-example.sh $(OUT)/assay

bench: all
	sh bench/run.sh

# assay export of a run of 1,000,000 results (bench/export.sh builds
# bench/fill_store.c against $(OUT)/libassay.a itself).
.PHONY: bench-export
bench-export: all $(OUT)/libassay.a
	ASSAY=$(OUT)/assay LIB=$(OUT)/libassay.a sh bench/export.sh

# assay serve under wrk on loopback (bench/serve.sh; needs wrk).
.PHONY: bench-serve
bench-serve: all $(OUT)/libassay.a
	ASSAY=$(OUT)/assay LIB=$(OUT)/libassay.a sh bench/serve.sh

format:
	clang-format -i $(wildcard src/*/*.[ch] tests/unit/*.c fuzz/*.[ch])

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(OUT)/src/cli/main.d $(FUZZ_REPLAY_OBJ:.o=.d) $(FUZZ_BIN:=.d)
