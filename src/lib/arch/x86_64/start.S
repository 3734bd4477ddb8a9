/* The last instructions uexec runs, x86-64.
 *
 * arch_exec_tramp(entry = %rdi, sp = %rsi, data = %rdx) is copied to a page
 * of its own (exec_mmap.c) and called from there: it unmaps the old
 * address space listed in data, moves the new image's mappings to their
 * final addresses (a failed move kills the process with SIGKILL), unmaps
 * the rest of the staging range, sets /proc/self (prctl PR_SET_MM_MAP,
 * with exe_fd, then without it if refused), closes exe_fd, and jumps. It
 * finds nothing through absolute addresses, so it runs wherever it was
 * copied; until the new stack it uses none. Data layout (exec_mmap.c's
 * struct tramp_data): +0 nranges, +8 exe_fd, +16 map with exe, +120 map
 * without, +224 nmoves, +232 signal mask, +240 rest start, +248 rest
 * length, +256 ranges {start, len}[256], +4352 moves {from, len, to}[128].
 *
 * The jump gives the new program the register state the kernel gives
 * (ELF_PLAT_INIT): general registers zero (rdx = 0: "no rtld_fini"), flags
 * clear, FPU/SSE at defaults, and the caller's signal mask back, restored
 * as the last system call (signals were blocked from the point of no
 * return on; a signal arriving now finds no handler, uexec_start() reset
 * them). The entry address must survive while every register is cleared,
 * so it travels on the new stack, one slot below the initial sp (space the
 * program never sees as data), and is reached with an indirect jmp
 * through memory: no push/ret pair, which a shadow stack would refuse. */
	.text
	.globl arch_exec_tramp, arch_exec_tramp_end
	.hidden arch_exec_tramp, arch_exec_tramp_end
	.type arch_exec_tramp, @function
arch_exec_tramp:
	.cfi_startproc
	endbr64			/* reached by an indirect call */
	mov	%rdi, %r12
	mov	%rsi, %r13
	mov	%rdx, %rbx
	mov	(%rbx), %r14
	lea	256(%rbx), %r15
1:	test	%r14, %r14
	jz	2f
	mov	$11, %eax	/* munmap(start, len) */
	mov	(%r15), %rdi
	mov	8(%r15), %rsi
	syscall
	add	$16, %r15
	dec	%r14
	jmp	1b
2:	mov	224(%rbx), %r14
	lea	4352(%rbx), %r15
3:	test	%r14, %r14
	jz	4f
	mov	$25, %eax	/* mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to) */
	mov	(%r15), %rdi
	mov	8(%r15), %rsi
	mov	%rsi, %rdx
	mov	$3, %r10d
	mov	16(%r15), %r8
	syscall
	cmp	16(%r15), %rax
	jne	9f
	add	$24, %r15
	dec	%r14
	jmp	3b
4:	mov	248(%rbx), %rsi	/* munmap(rest start, rest len), if any is left */
	test	%rsi, %rsi
	jz	6f
	mov	$11, %eax
	mov	240(%rbx), %rdi
	syscall
6:	mov	$157, %eax	/* prctl(PR_SET_MM, PR_SET_MM_MAP, map, 104, 0) */
	mov	$35, %edi
	mov	$14, %esi
	lea	16(%rbx), %rdx
	mov	$104, %r10d
	xor	%r8d, %r8d
	syscall
	test	%rax, %rax
	jz	5f
	mov	$157, %eax
	mov	$35, %edi
	mov	$14, %esi
	lea	120(%rbx), %rdx
	mov	$104, %r10d
	xor	%r8d, %r8d
	syscall
5:	mov	$3, %eax	/* close(exe_fd) */
	mov	8(%rbx), %rdi
	syscall
	mov	232(%rbx), %rdx
	mov	%r13, %rsp
	mov	%r12, -8(%rsp)
	mov	%rdx, -16(%rsp)
	mov	$14, %eax	/* rt_sigprocmask(SIG_SETMASK, &mask, NULL, 8) */
	mov	$2, %edi
	lea	-16(%rsp), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	/* Fresh FPU/SSE state: default x87 control word and MXCSR, zero xmm. */
	fninit
	movl	$0x1f80, -16(%rsp)
	ldmxcsr	-16(%rsp)
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
	pxor	%xmm13, %xmm13
	pxor	%xmm14, %xmm14
	pxor	%xmm15, %xmm15
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	/* Clear the arithmetic flags too (xor set ZF/PF); DF is clear by ABI.
	 * lea moves %rsp without touching the flags popfq just set. */
	movq	$0x202, -16(%rsp)
	lea	-16(%rsp), %rsp
	popfq
	lea	8(%rsp), %rsp
	movq	$0, -16(%rsp)
	jmp	*-8(%rsp)
9:	mov	$39, %eax	/* getpid(), kill(pid, SIGKILL): a failed move */
	syscall
	mov	%rax, %rdi
	mov	$9, %esi
	mov	$62, %eax
	syscall
	jmp	9b
	.cfi_endproc
arch_exec_tramp_end:
	.size arch_exec_tramp, .-arch_exec_tramp
	.section .note.GNU-stack,"",@progbits
