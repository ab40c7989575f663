/* testfs.h: a scratch directory per Check test, and whole-file read/write. */
#ifndef XCC_TESTFS_H
#define XCC_TESTFS_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The current test's directory, made by testfs_setup().  Functions are
 * static inline so that a suite using only some of them stays warning-free. */
static char testfs_dir[64];

/* Checked fixture: a fresh directory under /tmp. */
static inline void
testfs_setup(void)
{
	snprintf(testfs_dir, sizeof(testfs_dir), "/tmp/check_xcc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(testfs_dir));
}

static inline int
testfs_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Checked fixture: remove the directory and everything in it. */
static inline void
testfs_teardown(void)
{
	nftw(testfs_dir, testfs_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* The whole (small) file at path, in a static buffer. */
static inline char *
testfs_read(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Replace the file at path with text. */
static inline void
testfs_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

#endif
