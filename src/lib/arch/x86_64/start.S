/* The last instructions uexec runs, x86-64.
 *
 * arch_exec_tramp(entry = %rdi, sp = %rsi, data = %rdx) is copied to a page
 * of its own (new_exec.c) and called from there: it unmaps the old address
 * space listed in data, sets /proc/self (prctl PR_SET_MM_MAP, with exe_fd,
 * then without it if refused), closes exe_fd, and falls into arch_jump. It
 * finds nothing through absolute addresses, so it runs wherever it was
 * copied; until the new stack it uses none. Data layout (new_exec.c's
 * struct tramp_data): +0 nranges, +8 exe_fd, +16 map with exe, +120 map
 * without, +224 ranges {start, len}.
 *
 * arch_jump(entry = %rdi, sp = %rsi) gives the new program the register
 * state the kernel gives (ELF_PLAT_INIT): general registers zero (rdx = 0:
 * "no rtld_fini"), flags clear, FPU/SSE at defaults. The entry address must
 * survive while every register is cleared, so it travels on the new stack,
 * one slot below the initial sp (space the program never sees as data):
 * `ret` pops it and leaves %rsp exactly at argc, 16-byte aligned. */
	.text
	.globl arch_exec_tramp, arch_exec_tramp_end, arch_jump
	.hidden arch_exec_tramp, arch_exec_tramp_end
	.type arch_exec_tramp, @function
	.type arch_jump, @function
arch_exec_tramp:
	.cfi_startproc
	endbr64			/* reached by an indirect call */
	mov	%rdi, %r12
	mov	%rsi, %r13
	mov	%rdx, %rbx
	mov	(%rbx), %r14
	lea	224(%rbx), %r15
1:	test	%r14, %r14
	jz	2f
	mov	$11, %eax	/* munmap(start, len) */
	mov	(%r15), %rdi
	mov	8(%r15), %rsi
	syscall
	add	$16, %r15
	dec	%r14
	jmp	1b
2:	mov	$157, %eax	/* prctl(PR_SET_MM, PR_SET_MM_MAP, map, 104, 0) */
	mov	$35, %edi
	mov	$14, %esi
	lea	16(%rbx), %rdx
	mov	$104, %r10d
	xor	%r8d, %r8d
	syscall
	test	%rax, %rax
	jz	3f
	mov	$157, %eax
	mov	$35, %edi
	mov	$14, %esi
	lea	120(%rbx), %rdx
	mov	$104, %r10d
	xor	%r8d, %r8d
	syscall
3:	mov	$3, %eax	/* close(exe_fd) */
	mov	8(%rbx), %rdi
	syscall
	mov	%r12, %rdi
	mov	%r13, %rsi
	/* fall through: the copy of arch_jump that is still mapped */
arch_jump:
	endbr64
	mov	%rsi, %rsp
	push	%rdi
	/* Fresh FPU/SSE state: default x87 control word and MXCSR, zero xmm. */
	fninit
	sub	$8, %rsp
	movl	$0x1f80, (%rsp)
	ldmxcsr	(%rsp)
	movq	$0, (%rsp)
	add	$8, %rsp
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
	/* Clear the arithmetic flags too (xor set ZF/PF); DF is clear by ABI. */
	push	$0x202
	popfq
	ret
	.cfi_endproc
arch_exec_tramp_end:
	.size arch_jump, .-arch_jump
	.size arch_exec_tramp, .-arch_exec_tramp
	.section .note.GNU-stack,"",@progbits
