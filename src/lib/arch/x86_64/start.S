/* arch_jump(entry = %rdi, sp = %rsi): the last instructions uexec runs.
 *
 * The entry address must survive until the jump while every general
 * register is cleared, so it travels on the new stack, one slot below the
 * initial sp (space the program never sees as data): `ret` pops it and leaves
 * %rsp exactly at argc, 16-byte aligned, as the kernel does. */
	.text
	.globl arch_jump
	.type arch_jump, @function
arch_jump:
	.cfi_startproc
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
	.size arch_jump, .-arch_jump
	.section .note.GNU-stack,"",@progbits
