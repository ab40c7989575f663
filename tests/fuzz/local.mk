# tests/fuzz/local.mk: libFuzzer targets (configure --enable-fuzzing, CC=clang).
