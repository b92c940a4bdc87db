# assay — build. `make` builds build/release/assay; `make test` builds with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs every test.
# Sources are found by wildcard, so adding a file to src/<layer>/ or a
# tests/unit/<module>_test.c needs no edit here.

CC      ?= cc
PKGS    := libuv sqlite3 expat yaml-0.1 jansson libmicrohttpd libsodium libcurl
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
else
  CFLAGS_MODE := -O2
  LDFLAGS_MODE :=
endif

OUT     ?= build/$(MODE)
LIB_SRC := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
SQL     := $(sort $(wildcard src/store/schema/*.sql))
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/%.o) $(OUT)/gen/schema_sql.o
UNIT_SRC := $(wildcard tests/unit/*_test.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(OUT)/tests/%)

.PHONY: all lib unit test check clean example bench format
all: $(OUT)/assay

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(BASE) $(CFLAGS_MODE) $(CFLAGS) -c $< -o $@

# The migrations are embedded in the binary as one generated C file.
$(OUT)/gen/schema_sql.c: $(SQL) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	@sh scripts/embed-sql.sh $(SQL) > $@

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

# The whole suite, sanitized: unit tests, then black-box tests of the binary.
test:
	$(MAKE) MODE=asan all unit
	ASSAY_BUILD=build/asan sh tests/run-all.sh

example: all
	sh scripts/run-example.sh $(OUT)/assay

bench: all
	sh bench/run.sh

format:
	clang-format -i $(wildcard src/*/*.[ch] tests/unit/*.c)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(OUT)/src/cli/main.d
