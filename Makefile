# jrnkit - plain, non-recursive Makefile.
#
#   make [all]            build library, programs and tests   (VARIANT=debug|san|release)
#   make check            build and run every test
#   make crash-long       the crash tests, 1000 iterations
#   make bench            benchmark against GT.M (release build; never part of check)
#   make run              demo instance under ./demo, then the main menu on it
#   make install          PREFIX=/usr/local DESTDIR=
#   make clean
#   V=1 shows the commands.
#
# Dependencies are Debian packages.  When one is missing and we run as root with
# apt-get, the first build installs it; otherwise it stops with the exact
# apt-get line (see the deps target).

VARIANT ?= debug
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build/$(VARIANT)

CC      ?= cc
PKG_CONFIG ?= pkg-config

DEB_PKGS := liblmdb-dev libyaml-dev libncurses-dev libreadline-dev libcmocka-dev pkg-config
DEPS_STAMP := build/.deps-ok

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wno-format-nonliteral
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

ifeq ($(VARIANT),release)
OPT := -O2 -g -DNDEBUG
else ifeq ($(VARIANT),san)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LD := -fsanitize=address,undefined
else ifeq ($(VARIANT),debug)
OPT := -O1 -g
else
$(error VARIANT must be debug, san or release, not '$(VARIANT)')
endif

# pkg-config with fallbacks: the flags a Debian system needs when a .pc file is absent.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(or $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null),$(2))

LMDB_LIBS     := $(call pc_libs,lmdb,-llmdb)
YAML_LIBS     := $(call pc_libs,yaml-0.1,-lyaml)
CMOCKA_LIBS   := $(call pc_libs,cmocka,-lcmocka)
READLINE_LIBS := $(call pc_libs,readline,-lreadline)
NCURSES_LIBS  := $(call pc_libs,ncursesw,-lncursesw)
DEP_CFLAGS    := $(call pc_cflags,lmdb yaml-0.1)

CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Isrc $(DEP_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS := $(SAN_LD) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- sources ---------------------------------------------------------------

LIB_SRC   := $(sort $(wildcard src/*.c src/jrn/*.c))
UI_SRC    := $(sort $(wildcard src/ui/*.c))
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TEST_UTIL := $(sort $(wildcard tests/util/*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UI_OBJ    := $(UI_SRC:%.c=$(BUILD)/obj/%.o)
TUTIL_OBJ := $(TEST_UTIL:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/lib/libjrnkit.a
UILIB     := $(BUILD)/lib/libjrnkit-ui.a

# programs: name -> main source
# restore/: jrnresto's dialogue and run, also linked into jrnkit (main menu item 4)
RESTO_SRC := restore/dialogue.c restore/run.c restore/clumenu.c
PROGS     := jrnkit jrnresto jrndump sturecov
jrnkit_SRC := src/cmd/jrnkit.c src/cmd/mainmenu.c src/cmd/cvtcmd.c src/cmd/bkpcmd.c src/cmd/clucmd.c $(RESTO_SRC)
jrnresto_SRC := restore/jrnresto.c $(RESTO_SRC)
sturecov_SRC := restore/sturecov.c
# dump/: the journal browser and batch dumps; the only program with ncurses
jrndump_SRC := $(sort $(wildcard dump/*.c))
jrndump_LIBS := $(NCURSES_LIBS)
BINS      := $(PROGS:%=$(BUILD)/bin/%)
TESTS     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# the crash tests' oracle (tests/crash/), run by tests/crash/crash.sh
CRASHCHECK := $(BUILD)/tests/crashcheck

LIB_LIBS  := $(LMDB_LIBS) $(YAML_LIBS) -lpthread
UI_LIBS   := $(READLINE_LIBS)

.PHONY: all check crash-long bench run install clean deps demo
.SECONDARY:
all: $(LIB) $(BINS) $(TESTS) $(CRASHCHECK)

# ---- dependencies -------------------------------------------------------------

# Header -> Debian package; the stamp is made once the headers are all there.
deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	$(Q)missing=""; \
	for hp in lmdb.h:liblmdb-dev yaml.h:libyaml-dev ncurses.h:libncurses-dev \
	          readline/readline.h:libreadline-dev cmocka.h:libcmocka-dev; do \
		h=$${hp%%:*}; p=$${hp#*:}; \
		printf '#include <stddef.h>\n#include <stdarg.h>\n#include <setjmp.h>\n#include <stdio.h>\n#include <%s>\n' "$$h" | \
			$(CC) -E -x c - >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "make: installing missing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
		else \
			echo "make: missing Debian packages. Run:"; \
			echo "  apt-get install$$missing"; \
			exit 1; \
		fi; \
	fi
	$(Q)mkdir -p $(@D) && touch $@

# ---- build -----------------------------------------------------------------------

# tests include their helpers as "util/x.h"
$(BUILD)/obj/tests/%.o: ALL_CFLAGS += -Itests
$(BUILD)/obj/restore/%.o: ALL_CFLAGS += -Irestore
$(BUILD)/obj/dump/%.o: ALL_CFLAGS += -Idump

# where the programs look for menus/ (src/ui/menudir.c)
$(BUILD)/obj/src/ui/menudir.o: ALL_CFLAGS += -DJRNKIT_MENUDIR='"$(PREFIX)/share/jrnkit/menus"' \
	-DJRNKIT_SRCMENUS='"$(CURDIR)/menus"'

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(UILIB): $(UI_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# One link rule per program: bin/NAME from NAME_SRC.
define prog_rule
$(BUILD)/bin/$(1): $$($(1)_SRC:%.c=$(BUILD)/obj/%.o) $(UILIB) $(LIB)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(UILIB) $(LIB) $$($(1)_LIBS) $$(UI_LIBS) $$(LIB_LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TUTIL_OBJ) $(UILIB) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TUTIL_OBJ) $(UILIB) $(LIB) $(CMOCKA_LIBS) $(UI_LIBS) $(LIB_LIBS)

$(CRASHCHECK): $(BUILD)/obj/tests/crash/crashcheck.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIB_LIBS)

# ---- check -----------------------------------------------------------------------

# Every cmocka binary, then the shell-level tests; one summary line at the end.
# JRNKIT_BIN tells the tests where the programs of this variant are.
check: all
	$(Q)JRNKIT_BIN=$(CURDIR)/$(BUILD)/bin JRNKIT_SRC=$(CURDIR) \
		sh tests/run.sh $(addprefix $(CURDIR)/,$(TESTS))

# The crash tests at length: 1000 kills and recoveries (make check runs 200, tests/sh/crash.sh).
crash-long: all
	$(Q)JRNKIT_BIN=$(CURDIR)/$(BUILD)/bin JRNKIT_SRC=$(CURDIR) CRASH_ITER=1000 \
		sh tests/crash/crash.sh

# ---- bench / run / demo ---------------------------------------------------------------

# BENCH_ONLY=restore make bench: only the restore figures (tests/bench/restore.sh).
# BENCH_ONLY=backup make bench: only the backup figure (tests/bench/backup.sh).
bench:
	$(Q)$(MAKE) --no-print-directory VARIANT=release all
	$(Q)JRNKIT_BIN=$(CURDIR)/build/release/bin sh tests/bench/bench.sh

demo: all
	$(Q)JRNKIT_BIN=$(CURDIR)/$(BUILD)/bin sh tests/demo.sh $(CURDIR)/demo

# The main job: the main menu (jrnkit with no command) on the demo instance.
# Its answers come from stdin: without a terminal, end of input leaves the
# menu at once (printf '9\n' | make run shows the status item).  Then the
# journal's status, the accounts database, a verification of every
# journal file, and the status of the demo cluster (demo/cluster, tests/demo.sh).
run: demo
	$(Q)$(BUILD)/bin/jrnkit -I $(CURDIR)/demo
	@echo
	$(Q)$(BUILD)/bin/jrnkit -I $(CURDIR)/demo status
	@echo
	$(Q)$(BUILD)/bin/jrnkit -I $(CURDIR)/demo -d $(CURDIR)/demo/db/acct zwrite
	@echo
	$(Q)$(BUILD)/bin/jrnkit verify $$(cat $(CURDIR)/demo/journal.log)
	@echo
	$(Q)$(BUILD)/bin/jrnkit cluster status $(CURDIR)/demo/cluster/clu

# ---- install -------------------------------------------------------------------------

MANS := $(wildcard man/*.[1-9])
install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANS); do s=$${m##*.}; \
		install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	if [ -n "$$(ls menus/*.yaml 2>/dev/null)" ]; then \
		install -d $(DESTDIR)$(PREFIX)/share/jrnkit/menus; \
		install -m 0644 menus/*.yaml $(DESTDIR)$(PREFIX)/share/jrnkit/menus/; fi

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
