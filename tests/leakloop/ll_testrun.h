/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by test_outputs.c and test_workload.c: run leakloop (or a
 * checker) with stdout and stderr captured in files, optionally sending a
 * signal mid-run; count leakloop's BPF programs; SysV semaphore cleanup
 * for the deliberate leak. Header-only: each test is one executable.
 */
#ifndef LL_TESTRUN_H
#define LL_TESTRUN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct llres {
	int status;	/* exit code, or 128 + signal */
	double secs;	/* wall time */
	char *out;	/* stdout */
	char *err;	/* stderr */
	json_t *json;	/* stdout parsed, NULL when not JSON */
};

static inline double llt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline char *llt_slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static inline void llres_free(struct llres *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * A workload that appends one byte to a marker file per run, so that a
 * test waits until leakloop's loop is under way (its backend attached, the
 * warm-up done) before it signals, instead of guessing a delay: setting up
 * BPF or perf takes from a tenth of a second on an idle machine to several
 * seconds on a loaded one. `cmd` is a shell command for `sh -c`, with
 * `then` (may be empty) run after the byte is written.
 */
struct llt_marker {
	char path[64];
	char cmd[256];
};

static inline void llt_marker_init(struct llt_marker *m, const char *then)
{
	int fd;

	snprintf(m->path, sizeof(m->path), "/tmp/llt-marker-XXXXXX");
	fd = mkstemp(m->path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(m->cmd, sizeof(m->cmd), "printf x >>%s%s%s", m->path, then[0] ? "; " : "", then);
}

static inline void llt_marker_free(struct llt_marker *m)
{
	unlink(m->path);
}

/* Runs of the marker's workload so far. */
static inline long long llt_marker_runs(const struct llt_marker *m)
{
	struct stat st;

	return stat(m->path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Wait until the marker counts `runs` runs; false if pid ended first or
 * `limit_s` passed. */
static inline bool llt_marker_wait(const struct llt_marker *m, long long runs, pid_t pid,
				   double limit_s)
{
	double t0 = llt_now();

	while (llt_marker_runs(m) < runs) {
		siginfo_t si = { .si_pid = 0 };

		/* Ended? Asked without reaping: the caller waits for it. */
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
		    si.si_pid == pid || llt_now() - t0 > limit_s)
			return false;
		usleep(10000);
	}
	return true;
}

/*
 * Run argv[0] with argv; send `sig` once `m` counts `runs` runs of the
 * workload (m NULL: no signal). A run still going after `limit_s` is
 * killed and fails the test: a hang must show as a failure, not as meson's
 * timeout of the whole executable.
 */
static inline void llt_run_when(char *const argv[], int sig, const struct llt_marker *m,
				long long runs, double limit_s, struct llres *r)
{
	char outp[] = "/tmp/llt-out-XXXXXX", errp[] = "/tmp/llt-err-XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp), status = 0;
	double t0 = llt_now();
	bool sent = false;
	pid_t pid;
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	assert_true(ofd >= 0 && efd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(126);
	}
	close(ofd);
	close(efd);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		double el = llt_now() - t0;

		if (w == pid)
			break;
		if (sig && m && !sent && llt_marker_runs(m) >= runs) {
			kill(pid, sig);
			sent = true;
		}
		if (el > limit_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("%s did not finish within %.0f s", argv[0], limit_s);
		}
		usleep(10000);
	}
	r->secs = llt_now() - t0;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = llt_slurp(outp);
	r->err = llt_slurp(errp);
	unlink(outp);
	unlink(errp);
	assert_non_null(r->out);
	assert_non_null(r->err);
	r->json = json_loads(r->out, 0, &jerr);
	if (sig && m && !sent)
		fail_msg("%s ended after %lld of %lld workload runs, before the signal was sent",
			 argv[0], llt_marker_runs(m), runs);
}

static inline void llt_run(char *const argv[], double limit_s, struct llres *r)
{
	llt_run_when(argv, 0, NULL, 0, limit_s, r);
}

/* Everything readable from fd until end of file, NUL-terminated. */
static inline char *llt_read_all(int fd)
{
	size_t len = 0, cap = 0;
	char *out = NULL;

	for (;;) {
		ssize_t got;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		got = read(fd, out + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	out[len] = '\0';
	return out;
}

/* Skip, saying why, when the machine cannot run the tool at all. */
static inline bool llt_need_kernel(void)
{
	if (geteuid() != 0) {
		printf("# SKIP not root: leakloop needs CAP_BPF and CAP_PERFMON\n");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("# SKIP kernel without BTF (/sys/kernel/btf/vmlinux)\n");
		return false;
	}
	return true;
}

static inline json_t *llt_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		fail_msg("JSON lacks \"%s\"", key);
	return v;
}

static inline double llt_num(json_t *obj, const char *key)
{
	json_t *v = llt_field(obj, key);

	if (!json_is_number(v))
		fail_msg("\"%s\" is not a number", key);
	return json_number_value(v);
}

static inline const char *llt_str(json_t *obj, const char *key)
{
	json_t *v = llt_field(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

/* SysV semaphore ids that exist now. */
static inline size_t llt_sem_ids(int *ids, size_t max)
{
	FILE *f = fopen("/proc/sysvipc/sem", "re");
	char line[512];
	size_t n = 0;

	assert_non_null(f);
	if (!fgets(line, sizeof(line), f))	/* header */
		line[0] = '\0';
	while (fgets(line, sizeof(line), f) && n < max) {
		long key;
		int id;

		if (sscanf(line, "%ld %d", &key, &id) == 2)
			ids[n++] = id;
	}
	fclose(f);
	return n;
}

/* Remove the sets created since `before` was taken (the workload's): other
 * sets on the machine are not ours to touch. */
static inline size_t llt_sem_cleanup(const int *before, size_t nb)
{
	enum { MAXIDS = 65536 };
	int *after = calloc(MAXIDS, sizeof(int));
	size_t na, removed = 0;

	assert_non_null(after);
	na = llt_sem_ids(after, MAXIDS);
	for (size_t i = 0; i < na; i++) {
		bool old = false;

		for (size_t k = 0; k < nb && !old; k++)
			old = before[k] == after[i];
		if (!old && semctl(after[i], 0, IPC_RMID) == 0)
			removed++;
	}
	free(after);
	return removed;
}

/* Loaded BPF programs carrying leakloop's program names. */
static inline int llt_leakloop_progs(void)
{
	uint32_t id = 0;
	int n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    (strcmp(info.name, "on_kmalloc") == 0 ||
		     strcmp(info.name, "on_kmem_cache_a") == 0 ||
		     strcmp(info.name, "on_kfree") == 0))
			n++;
		close(fd);
	}
	return n;
}

/* Programs go an RCU-tasks grace period after their last fd closes:
 * wait up to 30 s for the count to reach `want`. */
static inline int llt_settle_progs(int want)
{
	int n = llt_leakloop_progs();

	for (int i = 0; i < 300 && n != want; i++) {
		usleep(100000);
		n = llt_leakloop_progs();
	}
	return n;
}

/* Text as TAP comments: a bare line would break the TAP stream. */
static inline void llt_comment(const char *what, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		printf("# %s: %.*s\n", what, (int)len, p);
		p += len + (p[len] ? 1 : 0);
	}
}

/* Run a checker (python3 script ...): 0 passed, 1 failed, 77 could not
 * check (a required package missing: the callers fail on it, a missing
 * dependency is not a kernel limit). Its stdout goes to ours as comments. */
static inline int llt_check(char *const argv[])
{
	struct llres r;
	int st;

	llt_run(argv, 120, &r);
	st = r.status;
	if (st == 77)
		printf("# cannot check: %.*s\n", (int)strcspn(r.out, "\n"), r.out);
	else
		llt_comment(argv[2], r.out);
	if (st != 0 && st != 77)
		llt_comment("checker failed", r.err);
	llres_free(&r);
	return st;
}

#endif
