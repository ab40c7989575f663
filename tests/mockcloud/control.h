/* control.h: counters, injected faults and recorded requests, and /_mock/. */
#ifndef MOCKCLOUD_CONTROL_H
#define MOCKCLOUD_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>
#include <microhttpd.h>

/* Requests /_mock/requests remembers, oldest dropped first. */
#define CONTROL_MAX_RECORDED	64

enum control_counter {
	CONTROL_TOKEN_OK,
	CONTROL_TOKEN_FAILED,
	CONTROL_UNAUTHORIZED,
	CONTROL_API_REQUESTS,
	CONTROL_CONNECTIONS,
	CONTROL_NCOUNTERS
};

enum control_close {
	CONTROL_CLOSE_NONE,
	CONTROL_CLOSE_API,
	CONTROL_CLOSE_TOKEN
};

struct control_faults {
	long			api_delay_ms;
	long			token_delay_ms;
	int			token_status;	/* 0: answer normally */
	bool			token_hang;
	enum control_close	close;
};

struct control;
struct exchange;

/* Empty counters, no faults; NULL on ENOMEM. */
struct control *control_new(void);

/* Free.  Accepts NULL. */
void control_free(struct control *c);

/* Add one to a counter. */
void control_count(struct control *c, enum control_counter which);

/* Remember a request ({method, path, query, headers}; consumed). */
void control_record(struct control *c, struct json_object *request);

/* A copy of the faults now in force. */
void control_faults(struct control *c, struct control_faults *ret);

/*
 * Sleep ms milliseconds unless a reset or shutdown comes first; then
 * returns -ECANCELED, else 0.
 */
int control_delay(struct control *c, long ms);

/* Block while the token_hang fault is set (until cleared or shutdown). */
void control_hang(struct control *c);

/* Release every delay and hang for good: the process is stopping. */
void control_shutdown(struct control *c);

/* Answer a request under /_mock/ (body complete). */
enum MHD_Result control_handle(struct exchange *ex);

#endif
