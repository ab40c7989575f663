/* npz.c: writes .npy v1.0 arrays into a stored zip archive (PKWARE APPNOTE). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksum.h"
#include "npz.h"

/* An .npy header dictionary is short; 256 bytes fits 8 dimensions. */
#define NPZ_HEADER_MAX	256
#define NPZ_NAME_MAX	64

/* Per-member facts the central directory repeats. */
struct npz_member {
	char		name[NPZ_NAME_MAX + 5];
	uint32_t	crc;
	uint32_t	size;
	uint32_t	offset;
};

static void
npz_put16(FILE *f, unsigned v)
{
	fputc(v & 0xff, f);
	fputc((v >> 8) & 0xff, f);
}

static void
npz_put32(FILE *f, uint32_t v)
{
	npz_put16(f, v & 0xffff);
	npz_put16(f, v >> 16);
}

/*
 * The .npy preamble: magic, version 1.0, header length and the dictionary
 * padded with spaces so that the data starts on a 64-byte boundary, as
 * numpy.lib.format does.  Returns its length or -EINVAL.
 */
static int
npz_npy_header(const struct npz_array *a, char *out, size_t out_size)
{
	char dict[NPZ_HEADER_MAX];
	size_t i, len, total, elems = 1, esize;
	int n;

	n = snprintf(dict, sizeof(dict),
	    "{'descr': '%s', 'fortran_order': False, 'shape': (", a->descr);
	for (i = 0; i < a->ndim && n > 0 && (size_t)n < sizeof(dict); i++) {
		n += snprintf(dict + n, sizeof(dict) - n, "%zu%s", a->shape[i],
		    a->ndim == 1 ? "," : i + 1 < a->ndim ? ", " : "");
		elems *= a->shape[i];
	}
	if (n > 0 && (size_t)n < sizeof(dict))
		n += snprintf(dict + n, sizeof(dict) - n, "), }");
	if (n <= 0 || (size_t)n >= sizeof(dict))
		return -EINVAL;
	/* The item size follows the byte-order and kind characters. */
	esize = strtoul(a->descr + 2, NULL, 10);
	if (esize == 0 || elems * esize != a->nbytes)
		return -EINVAL;
	len = (size_t)n;
	total = 10 + len + 1;
	total = (total + 63) / 64 * 64;
	if (total > out_size)
		return -EINVAL;
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (char)((total - 10) & 0xff);
	out[9] = (char)((total - 10) >> 8);
	memcpy(out + 10, dict, len);
	memset(out + 10 + len, ' ', total - 10 - len - 1);
	out[total - 1] = '\n';
	return (int)total;
}

static void
npz_local_header(FILE *f, const struct npz_member *m)
{
	npz_put32(f, 0x04034b50);
	npz_put16(f, 20);		/* version needed: 2.0 */
	npz_put16(f, 0);		/* flags */
	npz_put16(f, 0);		/* stored */
	npz_put16(f, 0);		/* time 00:00:00 */
	npz_put16(f, (1980 - 1980) << 9 | 1 << 5 | 1);	/* 1980-01-01 */
	npz_put32(f, m->crc);
	npz_put32(f, m->size);
	npz_put32(f, m->size);
	npz_put16(f, (unsigned)strlen(m->name));
	npz_put16(f, 0);
	fputs(m->name, f);
}

static void
npz_central_header(FILE *f, const struct npz_member *m)
{
	npz_put32(f, 0x02014b50);
	npz_put16(f, 20);		/* made by: MS-DOS, 2.0 */
	npz_put16(f, 20);
	npz_put16(f, 0);
	npz_put16(f, 0);
	npz_put16(f, 0);
	npz_put16(f, 1 << 5 | 1);
	npz_put32(f, m->crc);
	npz_put32(f, m->size);
	npz_put32(f, m->size);
	npz_put16(f, (unsigned)strlen(m->name));
	npz_put16(f, 0);		/* extra */
	npz_put16(f, 0);		/* comment */
	npz_put16(f, 0);		/* disk */
	npz_put16(f, 0);		/* internal attributes */
	npz_put32(f, 0);		/* external attributes */
	npz_put32(f, m->offset);
	fputs(m->name, f);
}

int
npz_build(const struct npz_array *arrays, size_t n,
    unsigned char **ret_buf, size_t *ret_len)
{
	struct npz_member members[NPZ_MAX_ARRAYS];
	char header[NPZ_HEADER_MAX + 64];
	uint64_t offset = 0, size;
	char *buf = NULL;
	size_t len = 0, i, cd_start;
	FILE *f = NULL;
	int hlen, r;

	if (n == 0 || n > NPZ_MAX_ARRAYS)
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct npz_member *m = &members[i];

		if (strlen(arrays[i].name) > NPZ_NAME_MAX ||
		    strlen(arrays[i].descr) < 3) {
			r = -EINVAL;
			goto out;
		}
		hlen = npz_npy_header(&arrays[i], header, sizeof(header));
		if (hlen < 0) {
			r = hlen;
			goto out;
		}
		size = (uint64_t)hlen + arrays[i].nbytes;
		if (offset + size + 30 + sizeof(m->name) > UINT32_MAX) {
			r = -EFBIG;
			goto out;
		}
		snprintf(m->name, sizeof(m->name), "%s.npy", arrays[i].name);
		m->crc = cksum_crc32(0, header, (size_t)hlen);
		m->crc = cksum_crc32(m->crc, arrays[i].data, arrays[i].nbytes);
		m->size = (uint32_t)size;
		m->offset = (uint32_t)offset;
		npz_local_header(f, m);
		fwrite(header, 1, (size_t)hlen, f);
		fwrite(arrays[i].data, 1, arrays[i].nbytes, f);
		offset += 30 + strlen(m->name) + size;
	}
	cd_start = (size_t)offset;
	for (i = 0; i < n; i++)
		npz_central_header(f, &members[i]);
	if (fflush(f) != 0) {
		r = -ENOMEM;
		goto out;
	}
	npz_put32(f, 0x06054b50);
	npz_put16(f, 0);
	npz_put16(f, 0);
	npz_put16(f, (unsigned)n);
	npz_put16(f, (unsigned)n);
	npz_put32(f, (uint32_t)(len - cd_start));
	npz_put32(f, (uint32_t)cd_start);
	npz_put16(f, 0);
	if (fclose(f) != 0) {
		f = NULL;
		r = -ENOMEM;
		goto out;
	}
	f = NULL;
	*ret_buf = (unsigned char *)buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return r;
}
