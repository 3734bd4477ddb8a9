/* What /proc/self shows of an mm (cmdline, environ, auxv, stat, exe), set
 * with prctl(PR_SET_MM, PR_SET_MM_MAP): the fields the kernel's exec fills
 * in mm_struct, and the probes `uexec explain` asks whether it may. */
#include "proc_mm.h"
#include "bprm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int set_mm_map(struct prctl_mm_map *map)
{
	return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)map, sizeof(*map), 0) == 0 ? 0 : -errno;
}

void proc_mm_fill(struct prctl_mm_map *map, const struct bprm_mm *mm, int exe_fd)
{
	*map = (struct prctl_mm_map){
		.start_code = mm->start_code,
		.end_code = mm->end_code,
		.start_data = mm->start_data,
		.end_data = mm->end_data,
		.start_brk = mm->start_brk,
		.brk = mm->start_brk,
		.start_stack = mm->start_stack,
		.arg_start = mm->arg_start,
		.arg_end = mm->arg_end,
		.env_start = mm->env_start,
		.env_end = mm->env_end,
		.auxv = (__u64 *)mm->auxv,
		.auxv_size = (uint32_t)mm->auxv_size,
		.exe_fd = (uint32_t)exe_fd,
	};
	/* validate_prctl_map_addr() wants brk strictly after end_data; the
	 * kernel's own page-aligned brk can equal it when the last segment
	 * has no bss and ends on a page boundary. A brk below the image (a
	 * static-pie's, at ELF_ET_DYN_BASE) is left where it is. */
	if (map->start_brk <= map->end_data && map->start_brk >= map->start_data)
		map->start_brk = map->brk = map->end_data + 4096;
}

int proc_mm_set(const struct bprm_mm *mm, int exe_fd)
{
	struct prctl_mm_map map;
	int ret;

	if (!mm->arg_start)
		return -EINVAL;
	proc_mm_fill(&map, mm, exe_fd);
	ret = exe_fd >= 0 ? set_mm_map(&map) : -EBADF;
	if (ret) {
		map.exe_fd = (uint32_t)-1;
		ret = set_mm_map(&map);
	}
	return ret;
}

int proc_mm_may_set_exe(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];

	if (syscall(SYS_capget, &h, c) < 0)
		return -errno;
	/* checkpoint_restore_ns_capable(): CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
	if ((c[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) ||
	    (c[40 / 32].effective & (1u << (40 % 32))))
		return 0;
	return -EPERM;
}

/* Fields 26-28 and 45-51 of /proc/self/stat (proc(5)), into a stack
 * buffer, and the brk the kernel has now. */
int proc_mm_probe(void)
{
	char buf[2048], *p;
	unsigned long long v[52] = { 0 };
	struct prctl_mm_map map = { .exe_fd = (uint32_t)-1 };
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last
	 * ')', with field 3 the one-letter state, then numbers. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EIO;
	for (field = 4, p += 3; *p && field < 52; field++) {
		while (*p == ' ')
			p++;
		v[field] = strtoull(p, &p, 10);
	}
	if (field < 52)
		return -EIO;
	map.start_code = v[26];
	map.end_code = v[27];
	map.start_stack = v[28];
	map.start_data = v[45];
	map.end_data = v[46];
	map.start_brk = v[47];
	map.brk = (uint64_t)syscall(SYS_brk, 0);
	map.arg_start = v[48];
	map.arg_end = v[49];
	map.env_start = v[50];
	map.env_end = v[51];
	return set_mm_map(&map);
}
