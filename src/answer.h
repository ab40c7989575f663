/* answer.h: responses the proxy gives itself (errors, /_proxy/, the token stand-in). */
#ifndef XCC_ANSWER_H
#define XCC_ANSWER_H

#include <microhttpd.h>

struct proxy;

/* The prefix of the proxy's own paths (never relayed). */
#define ANSWER_PREFIX "/_proxy/"

/*
 * Queue a JSON error in the cloud's shape {"code": ..., "detail": ...}.
 * detail is one sentence for a human and must hold no secret.
 */
enum MHD_Result answer_error(struct MHD_Connection *conn, unsigned status,
    const char *code, const char *detail);

/*
 * The same with a Retry-After of seconds (RFC 9110 section 10.2.3), for
 * 429 and 503 answers.
 */
enum MHD_Result answer_error_retry(struct MHD_Connection *conn,
    unsigned status, const char *code, const char *detail,
    unsigned seconds);

/*
 * Queue the answer for a path under ANSWER_PREFIX (health, ready,
 * metrics; 404 otherwise; 405 for methods other than GET and HEAD).
 * Returns the status queued in *ret_status.
 */
enum MHD_Result answer_local(struct MHD_Connection *conn, struct proxy *p,
    const char *method, const char *path, unsigned *ret_status);

/*
 * Queue the stand-in token response for the token path: a JWT-shaped
 * placeholder that is not the real access token, so unmodified xcc and
 * Strawberry Fields clients work with any dummy API key.
 */
enum MHD_Result answer_token(struct MHD_Connection *conn);

#endif
