/* base64url.h: RFC 4648 section 5 base64url, without padding. */
#ifndef XCC_BASE64URL_H
#define XCC_BASE64URL_H

#include <stddef.h>

/* Bytes needed to encode n bytes, including the NUL terminator. */
size_t base64url_encoded_size(size_t n);

/*
 * Encode n bytes of in into out (base64url_encoded_size(n) bytes), NUL
 * terminated, no padding.  Returns the length written without the NUL.
 */
size_t base64url_encode(const void *in, size_t n, char *out);

/*
 * Decode n characters of in (padding '=' accepted at the end only) into out,
 * which has room for out_size bytes.  Returns 0 and the decoded length in
 * *ret_len, or -EINVAL on a character outside the alphabet or a bad length,
 * -ENOBUFS when out is too small.
 */
int base64url_decode(const char *in, size_t n, void *out, size_t out_size,
    size_t *ret_len);

#endif
