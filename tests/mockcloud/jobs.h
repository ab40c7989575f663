/* jobs.h: submitted jobs, their lifecycle and their results. */
#ifndef MOCKCLOUD_JOBS_H
#define MOCKCLOUD_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* Jobs remembered; past this the oldest is forgotten. */
#define JOBS_MAX		1024
/* Longest circuit and name accepted. */
#define JOBS_MAX_CIRCUIT	(256 * 1024)
#define JOBS_MAX_NAME		256
/* Most shots a circuit may ask for: bounds a result at 100000 x 8 x 8 B. */
#define JOBS_MAX_SHOTS		100000

struct jobs;

/* An empty store; NULL on ENOMEM. */
struct jobs *jobs_new(void);

/* Free every job.  Accepts NULL. */
void jobs_free(struct jobs *j);

/* Whether s is a status name the cloud uses ("open", "complete", ...). */
bool jobs_status_valid(const char *s);

/*
 * Create an open job.  name may be NULL.  Returns 0 with the job object in
 * *ret_job, -ENOMEM.  Fields are validated by the caller.
 */
int jobs_submit(struct jobs *j, const char *name, const char *target,
    const char *circuit, const char *language, struct json_object **ret_job);

/*
 * The job object of id.  With advance, an open job becomes queued and a
 * queued one complete (or failed) first: each poll moves it one step, so
 * tests see every state without timing.  0 or -ENOENT, -ENOMEM.
 */
int jobs_get(struct jobs *j, const char *id, bool advance,
    struct json_object **ret_job);

/*
 * {"data": [job, ...]}, newest first, at most size jobs, only those whose
 * id is among ids (when nids > 0) and whose status is status (when not
 * NULL).  0 or -ENOMEM.
 */
int jobs_list(struct jobs *j, size_t size, const char *const *ids,
    size_t nids, const char *status, struct json_object **ret_list);

/* {"circuit": ...} of id; 0, -ENOENT, -ENOMEM. */
int jobs_circuit(struct jobs *j, const char *id,
    struct json_object **ret_circuit);

/* Cancel id: 0, -ENOENT, -EALREADY when it has already finished. */
int jobs_cancel(struct jobs *j, const char *id);

/*
 * The .npz result of id: an int64 "output" array of shots x modes samples.
 * 0 with a malloc'd archive, -ENOENT, -EAGAIN when not complete, -ENOMEM.
 */
int jobs_result(struct jobs *j, const char *id, unsigned char **ret_npz,
    size_t *ret_len);

#endif
