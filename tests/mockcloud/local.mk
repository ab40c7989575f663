# tests/mockcloud/local.mk: xcc-mockcloud, the Xanadu Cloud emulator.
