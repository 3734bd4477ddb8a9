/* A tiny static program for tests/uexec/test_hard_callers.c: exits 42 when
 * its signal mask is exactly what the caller had blocked before the exec
 * (SIGUSR2, nothing else: uexec blocks every signal from its point of no
 * return and must restore the caller's mask), 1 otherwise. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	uint64_t mask = ~UINT64_C(0);

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof(mask)) != 0)
		return 2;
	return mask == UINT64_C(1) << (SIGUSR2 - 1) ? 42 : 1;
}
