/* jobs.c: the job store; polls drive open -> queued -> complete. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "devices.h"
#include "jobs.h"
#include "npz.h"
#include "pattern.h"
#include "uuid.h"

enum jobs_status {
	JOBS_OPEN,
	JOBS_QUEUED,
	JOBS_CANCEL_PENDING,
	JOBS_CANCELLED,
	JOBS_FAILED,
	JOBS_COMPLETE
};

static const char *const jobs_status_names[] = {
	"open", "queued", "cancel_pending", "cancelled", "failed", "complete"
};

/* A circuit containing this marker fails instead of completing. */
#define JOBS_FAIL_MARKER	"mockcloud: fail"

struct jobs_job {
	char			 id[UUID_STR_LEN];
	char			*name;		/* NULL: JSON null */
	char			*target;
	char			*circuit;
	char			*language;
	enum jobs_status	 status;
	struct timespec		 created_at, started_at, finished_at;
	uint64_t		 seed;		/* makes each result distinct */
};

struct jobs {
	pthread_mutex_t	 lock;
	struct jobs_job	*jobs[JOBS_MAX];	/* ring, oldest at head */
	size_t		 head, count;
	uint64_t	 submitted;
};

struct jobs *
jobs_new(void)
{
	struct jobs *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	pthread_mutex_init(&j->lock, NULL);
	return j;
}

static void
jobs_job_free(struct jobs_job *job)
{
	if (job == NULL)
		return;
	free(job->name);
	free(job->target);
	free(job->circuit);
	free(job->language);
	free(job);
}

void
jobs_free(struct jobs *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < JOBS_MAX; i++)
		jobs_job_free(j->jobs[i]);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

bool
jobs_status_valid(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(jobs_status_names) / sizeof(char *); i++)
		if (strcmp(s, jobs_status_names[i]) == 0)
			return true;
	return false;
}

/* ISO 8601 with microseconds and +00:00, as the cloud writes times. */
static struct json_object *
jobs_time(const struct timespec *ts)
{
	struct tm tm;
	char buf[64];

	if (ts->tv_sec == 0)
		return NULL;
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	return json_object_new_string(buf);
}

static struct json_object *
jobs_object(const struct jobs_job *job)
{
	struct json_object *o, *meta;
	double running;

	o = json_object_new_object();
	meta = json_object_new_object();
	if (o == NULL || meta == NULL) {
		json_object_put(o);
		json_object_put(meta);
		return NULL;
	}
	if (job->status == JOBS_FAILED) {
		json_object_object_add(meta, "error-code",
		    json_object_new_string("invalid-circuit"));
		json_object_object_add(meta, "error-detail",
		    json_object_new_string("The circuit asked to fail."));
	}
	json_object_object_add(o, "id", json_object_new_string(job->id));
	json_object_object_add(o, "name", job->name != NULL ?
	    json_object_new_string(job->name) : NULL);
	json_object_object_add(o, "status",
	    json_object_new_string(jobs_status_names[job->status]));
	json_object_object_add(o, "target",
	    json_object_new_string(job->target));
	json_object_object_add(o, "language",
	    json_object_new_string(job->language));
	json_object_object_add(o, "created_at", jobs_time(&job->created_at));
	json_object_object_add(o, "started_at", jobs_time(&job->started_at));
	json_object_object_add(o, "finished_at", jobs_time(&job->finished_at));
	if (job->started_at.tv_sec != 0 && job->finished_at.tv_sec != 0) {
		running = (double)(job->finished_at.tv_sec -
		    job->started_at.tv_sec) + (double)(job->finished_at.tv_nsec -
		    job->started_at.tv_nsec) / 1e9;
		json_object_object_add(o, "running_time",
		    json_object_new_double(running));
	} else {
		json_object_object_add(o, "running_time", NULL);
	}
	json_object_object_add(o, "meta", meta);
	return o;
}

/* Caller holds the lock. */
static struct jobs_job *
jobs_find(struct jobs *j, const char *id)
{
	size_t i;
	struct jobs_job *job;

	for (i = 0; i < j->count; i++) {
		job = j->jobs[(j->head + i) % JOBS_MAX];
		if (strcasecmp(job->id, id) == 0)
			return job;
	}
	return NULL;
}

int
jobs_submit(struct jobs *j, const char *name, const char *target,
    const char *circuit, const char *language, struct json_object **ret_job)
{
	struct jobs_job *job;
	struct json_object *o;
	int r = -ENOMEM;

	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return -ENOMEM;
	uuid_random(job->id);
	job->name = name != NULL ? strdup(name) : NULL;
	job->target = strdup(target);
	job->circuit = strdup(circuit);
	job->language = strdup(language);
	if ((name != NULL && job->name == NULL) || job->target == NULL ||
	    job->circuit == NULL || job->language == NULL)
		goto fail;
	job->status = JOBS_OPEN;
	clock_gettime(CLOCK_REALTIME, &job->created_at);
	o = jobs_object(job);
	if (o == NULL)
		goto fail;
	pthread_mutex_lock(&j->lock);
	job->seed = j->submitted++;
	if (j->count == JOBS_MAX) {
		jobs_job_free(j->jobs[j->head]);
		j->jobs[j->head] = NULL;
		j->head = (j->head + 1) % JOBS_MAX;
		j->count--;
	}
	j->jobs[(j->head + j->count) % JOBS_MAX] = job;
	j->count++;
	pthread_mutex_unlock(&j->lock);
	*ret_job = o;
	return 0;
fail:
	jobs_job_free(job);
	return r;
}

static void
jobs_advance(struct jobs_job *job)
{
	switch (job->status) {
	case JOBS_OPEN:
		job->status = JOBS_QUEUED;
		clock_gettime(CLOCK_REALTIME, &job->started_at);
		break;
	case JOBS_QUEUED:
		job->status = strstr(job->circuit, JOBS_FAIL_MARKER) != NULL ?
		    JOBS_FAILED : JOBS_COMPLETE;
		clock_gettime(CLOCK_REALTIME, &job->finished_at);
		break;
	case JOBS_CANCEL_PENDING:
		job->status = JOBS_CANCELLED;
		clock_gettime(CLOCK_REALTIME, &job->finished_at);
		break;
	default:
		break;
	}
}

int
jobs_get(struct jobs *j, const char *id, bool advance,
    struct json_object **ret_job)
{
	struct jobs_job *job;
	struct json_object *o = NULL;
	int r = -ENOENT;

	pthread_mutex_lock(&j->lock);
	job = jobs_find(j, id);
	if (job != NULL) {
		if (advance)
			jobs_advance(job);
		o = jobs_object(job);
		r = o != NULL ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&j->lock);
	if (r == 0)
		*ret_job = o;
	return r;
}

int
jobs_list(struct jobs *j, size_t size, const char *const *ids, size_t nids,
    const char *status, struct json_object **ret_list)
{
	struct json_object *o, *data;
	struct jobs_job *job;
	size_t i, k;
	bool match;

	o = json_object_new_object();
	data = json_object_new_array();
	if (o == NULL || data == NULL) {
		json_object_put(o);
		json_object_put(data);
		return -ENOMEM;
	}
	pthread_mutex_lock(&j->lock);
	for (i = j->count; i > 0 && json_object_array_length(data) < size;
	    i--) {
		job = j->jobs[(j->head + i - 1) % JOBS_MAX];
		match = nids == 0;
		for (k = 0; k < nids && !match; k++)
			match = strcasecmp(ids[k], job->id) == 0;
		if (status != NULL &&
		    strcmp(status, jobs_status_names[job->status]) != 0)
			match = false;
		if (match)
			json_object_array_add(data, jobs_object(job));
	}
	pthread_mutex_unlock(&j->lock);
	json_object_object_add(o, "data", data);
	*ret_list = o;
	return 0;
}

int
jobs_circuit(struct jobs *j, const char *id, struct json_object **ret_circuit)
{
	struct jobs_job *job;
	struct json_object *o = NULL;
	int r = -ENOENT;

	pthread_mutex_lock(&j->lock);
	job = jobs_find(j, id);
	if (job != NULL) {
		o = json_object_new_object();
		if (o != NULL)
			json_object_object_add(o, "circuit",
			    json_object_new_string(job->circuit));
		r = o != NULL ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&j->lock);
	if (r == 0)
		*ret_circuit = o;
	return r;
}

int
jobs_cancel(struct jobs *j, const char *id)
{
	struct jobs_job *job;
	int r = -ENOENT;

	pthread_mutex_lock(&j->lock);
	job = jobs_find(j, id);
	if (job != NULL) {
		if (job->status == JOBS_OPEN || job->status == JOBS_QUEUED) {
			job->status = JOBS_CANCELLED;
			clock_gettime(CLOCK_REALTIME, &job->finished_at);
			r = 0;
		} else {
			r = -EALREADY;
		}
	}
	pthread_mutex_unlock(&j->lock);
	return r;
}

/* shots=N from the circuit's target line, bounded; 1 when absent. */
static size_t
jobs_shots(const char *circuit)
{
	const char *p = strstr(circuit, "shots");
	long long n;
	char *end;

	if (p == NULL)
		return 1;
	p += strlen("shots");
	while (*p == ' ' || *p == '=')
		p++;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (end == p || errno != 0 || n < 1)
		return 1;
	return n > JOBS_MAX_SHOTS ? JOBS_MAX_SHOTS : (size_t)n;
}

int
jobs_result(struct jobs *j, const char *id, unsigned char **ret_npz,
    size_t *ret_len)
{
	struct npz_array a;
	struct jobs_job *job;
	size_t shape[2], i, n;
	int64_t *samples = NULL;
	uint64_t seed;
	int r;

	pthread_mutex_lock(&j->lock);
	job = jobs_find(j, id);
	if (job == NULL) {
		r = -ENOENT;
	} else if (job->status != JOBS_COMPLETE) {
		r = -EAGAIN;
	} else {
		shape[0] = jobs_shots(job->circuit);
		shape[1] = (size_t)devices_modes(job->target);
		seed = job->seed;
		r = shape[1] > 0 ? 0 : -ENOENT;
	}
	pthread_mutex_unlock(&j->lock);
	if (r < 0)
		return r;
	n = shape[0] * shape[1];
	samples = calloc(n, sizeof(*samples));
	if (samples == NULL)
		return -ENOMEM;
	/* Photon counts 0..3, a pure function of the job and the sample. */
	for (i = 0; i < n; i++)
		samples[i] = (int64_t)(pattern_block(seed << 32 | i) % 4);
	a.name = "output";
	a.descr = "<i8";
	a.shape = shape;
	a.ndim = 2;
	a.data = samples;
	a.nbytes = n * sizeof(*samples);
	r = npz_build(&a, 1, ret_npz, ret_len);
	free(samples);
	return r;
}
