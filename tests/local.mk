# tests/local.mk: shared test infrastructure.
EXTRA_DIST += tests/check_main.h tests/lib.sh
