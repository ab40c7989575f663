#!/bin/sh
# smoke.sh: a short libFuzzer pass of every target over its seed corpus.
#
# The corpus is copied first: libFuzzer adds what it finds to the corpus
# directory and the source tree must stay untouched.
set -eu
: "${top_builddir:?}" "${top_srcdir:?}"
runs=${FUZZ_SMOKE_RUNS:-20000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Every target the build lists (FUZZ_NAMES from the Makefile).
for name in ${FUZZ_NAMES:-jwt grant errbody dotenv}; do
	mkdir -p "$tmp/$name"
	cp "$top_srcdir/tests/fuzz/corpus/$name/"* "$tmp/$name/"
	echo "fuzz_$name: $runs runs"
	"$top_builddir/tests/fuzz/fuzz_$name" -runs="$runs" -seed=1 \
	    -artifact_prefix="$tmp/" "$tmp/$name" 2>"$tmp/log" || {
		cat "$tmp/log" >&2
		exit 1
	}
done
