/* npz.h: NumPy .npz archives (uncompressed zip of .npy arrays) in memory. */
#ifndef MOCKCLOUD_NPZ_H
#define MOCKCLOUD_NPZ_H

#include <stddef.h>

/* Named member of an archive; data is already in the layout descr names. */
struct npz_array {
	const char	*name;		/* member "name.npy" */
	const char	*descr;		/* NumPy dtype string, e.g. "<i8" */
	const size_t	*shape;
	size_t		 ndim;
	const void	*data;
	size_t		 nbytes;	/* must equal the product of shape */
};

/* Members the largest archive may hold; bounds the central directory. */
#define NPZ_MAX_ARRAYS	16

/*
 * Build an .npz archive with the n arrays, each a stored (method 0) zip
 * member with its CRC-32, as numpy.savez writes them.  Returns 0 with a
 * malloc'd buffer in *ret_buf and its length in *ret_len; -EINVAL on a bad
 * array, -EFBIG past the 4 GiB limit of a zip without Zip64, -ENOMEM.
 */
int npz_build(const struct npz_array *arrays, size_t n,
    unsigned char **ret_buf, size_t *ret_len);

#endif
