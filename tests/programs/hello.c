/* Built at test time in several link flavours (static, static-pie, PIE,
 * non-PIE, musl static) and run both through the kernel and through uexec;
 * the output must be identical. Exercises what the C runtime needs from the
 * initial process state: argv, envp, TLS, malloc, a thread, stdio on both
 * streams, the exit status. Prints no addresses. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int tls_counter = 41;
static int thread_saw;

static void *worker(void *arg)
{
	(void)arg;
	tls_counter = 1000; /* the thread's own copy */
	thread_saw = tls_counter + 1;
	return NULL;
}

int main(int argc, char **argv, char **envp)
{
	tls_counter++;
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	int nenv = 0;
	for (char **e = envp; *e; e++)
		nenv++;
	printf("envc=%d\n", nenv);
	const char *v = getenv("UEXEC_TEST_VAR");
	printf("UEXEC_TEST_VAR=%s\n", v ? v : "(unset)");

	size_t sz = (size_t)8 << 20;
	unsigned char *p = malloc(sz);
	if (!p)
		return 90;
	memset(p, 0xa5, sz);
	unsigned long sum = 0;
	for (size_t i = 0; i < sz; i += 4096)
		sum += p[i];
	free(p);
	printf("malloc sum=%lu\n", sum);

	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 91;
	pthread_join(t, NULL);
	printf("tls main=%d thread=%d\n", tls_counter, thread_saw);
	fprintf(stderr, "hello on stderr\n");
	return 7;
}
