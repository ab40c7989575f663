# tests/fuzz/local.mk: libFuzzer targets (configure --enable-fuzzing, CC=clang).
#
# Each target compiles the parser it fuzzes with -fsanitize=fuzzer,address
# (coverage instrumentation only works on code built with it) and links
# libxcccore.la for the rest.  `make check` runs a short smoke pass over
# the seed corpus; `make fuzz` runs each target for FUZZ_SECONDS.

FUZZ_NAMES = jwt grant errbody dotenv policy path headers cfg
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/smoke.sh

if ENABLE_FUZZING
FUZZ_TARGETS = tests/fuzz/fuzz_jwt tests/fuzz/fuzz_grant \
	tests/fuzz/fuzz_errbody tests/fuzz/fuzz_dotenv \
	tests/fuzz/fuzz_policy tests/fuzz/fuzz_path tests/fuzz/fuzz_headers \
	tests/fuzz/fuzz_cfg
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += tests/fuzz/smoke.sh
AM_TESTS_ENVIRONMENT += FUZZ_NAMES='$(FUZZ_NAMES)'; export FUZZ_NAMES;
FUZZ_COMPILE_FLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -fsanitize=fuzzer,address
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address
FUZZ_LIBS = src/xcc/libxcccore.la

tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz_jwt.c src/xcc/jwt.c \
	src/xcc/base64url.c src/xcc/jsonobj.c
tests_fuzz_fuzz_jwt_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_jwt_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_jwt_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_grant_SOURCES = tests/fuzz/fuzz_grant.c src/xcc/grant.c \
	src/xcc/jsonobj.c
tests_fuzz_fuzz_grant_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_grant_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_grant_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_errbody_SOURCES = tests/fuzz/fuzz_errbody.c \
	src/xcc/errbody.c src/xcc/jsonobj.c
tests_fuzz_fuzz_errbody_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_errbody_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_errbody_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_dotenv_SOURCES = tests/fuzz/fuzz_dotenv.c src/xcc/dotenv.c
tests_fuzz_fuzz_dotenv_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_dotenv_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_dotenv_LDADD = $(FUZZ_LIBS)

# The access policy: compiled from a hand-made cfg, no cfg.c needed.
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c src/policy.c \
	src/peercred.c
tests_fuzz_fuzz_policy_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_policy_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_path_SOURCES = tests/fuzz/fuzz_path.c src/policy.c \
	src/peercred.c
tests_fuzz_fuzz_path_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_path_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_path_LDADD = $(FUZZ_LIBS)

# The header rules, both directions.
tests_fuzz_fuzz_headers_SOURCES = tests/fuzz/fuzz_headers.c src/headers.c
tests_fuzz_fuzz_headers_CFLAGS = $(FUZZ_COMPILE_FLAGS) $(CURL_CFLAGS)
tests_fuzz_fuzz_headers_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_headers_LDADD = $(FUZZ_LIBS) $(CURL_LIBS)

# The configuration file, through cfg_load as the daemon reads it.
tests_fuzz_fuzz_cfg_SOURCES = tests/fuzz/fuzz_cfg.c src/cfg.c src/log.c \
	src/peercred.c
tests_fuzz_fuzz_cfg_CFLAGS = $(FUZZ_COMPILE_FLAGS) $(SYSTEMD_CFLAGS)
tests_fuzz_fuzz_cfg_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_cfg_LDADD = $(FUZZ_LIBS) $(SYSTEMD_LIBS)

FUZZ_SECONDS = 600
# Long runs, one target after the other; findings land in the build tree.
fuzz: $(FUZZ_TARGETS)
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p fuzz-corpus/$$n fuzz-findings/$$n; \
		cp -n $(srcdir)/tests/fuzz/corpus/$$n/* fuzz-corpus/$$n/; \
		echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
		tests/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=fuzz-findings/$$n/ fuzz-corpus/$$n; \
	done
else
fuzz:
	@echo "make fuzz needs: CC=clang ./configure --enable-fuzzing" >&2; exit 1
endif
.PHONY: fuzz
