#!/usr/bin/env python3
"""Crafted malicious executables for uexec's tests and fuzzers.

    gen_corpus.py malicious DIR   files + DIR/MANIFEST for tests/uexec/test_malicious.c
    gen_corpus.py seeds DIR       seed corpora DIR/{elf,script,misc}/ for fuzz/

Every ELF is built from one valid static x86-64 program (one PT_LOAD at
0x400000, code that exits with status 42) with one thing broken: the
header fields, PT_LOAD arithmetic, PT_INTERP, entry point, the program
header table, plus #! scripts that loop or name what cannot run.

MANIFEST, one line per file, tab separated:
    name  kernel  description
kernel is what the real kernel's execve does with the file, on which
test_malicious.c checks its own measurement:
    errno:ENAME  execve returns -1 with that errno (the class; the test
                 compares uexec's errno with the errno it measures)
    killed       execve succeeded, the process died of a signal (the
                 kernel found the problem after the point of no return,
                 or the program crashed at once)
    runs         the program ran and exited 42 (the file is malformed but
                 loadable: uexec check flags it as suspicious or strict)
Helper files (interpreters, chain links) live in DIR/helpers/, outside
the manifest."""
import os
import struct
import sys

PAGE = 0x1000
BASE = 0x400000
CODE_OFF = 0x1100
SIZE = 0x2000
# mov edi, 42; mov eax, 60 (exit); syscall
CODE = bytes.fromhex('bf2a000000' 'b83c000000' '0f05')

PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_PHDR = 0, 1, 2, 3, 6
PT_GNU_STACK = 0x6474e551
PF_X, PF_W, PF_R = 1, 2, 4
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4


def ident(cls=2, data=1, version=1, pad=b'\0' * 8, magic=b'\x7fELF'):
    return magic + bytes([cls, data, version, 0]) + pad


def ehdr(entry=BASE + CODE_OFF, phoff=64, phnum=2, etype=ET_EXEC, machine=62,
         phentsize=56, ident_bytes=None, version=1):
    return (ident_bytes or ident()) + struct.pack(
        '<HHIQQQIHHHHHH', etype, machine, version, entry, phoff, 0, 0, 64,
        phentsize, phnum, 0, 0, 0)


def phdr(ptype, flags=PF_R, offset=0, vaddr=0, filesz=0, memsz=None, align=PAGE, paddr=None):
    memsz = filesz if memsz is None else memsz
    return struct.pack('<IIQQQQQQ', ptype, flags, offset, vaddr,
                       vaddr if paddr is None else paddr, filesz, memsz, align)


def load(**kw):
    args = dict(flags=PF_R | PF_X, offset=0, vaddr=BASE, filesz=SIZE, memsz=SIZE)
    args.update(kw)
    return phdr(PT_LOAD, **args)


STACK = phdr(PT_GNU_STACK, flags=PF_R | PF_W, align=16)


def image(phdrs=None, size=SIZE, blobs=(), phoff=64, header=None, **eh):
    """A file: header, program headers at phoff, the exit code, blobs."""
    phdrs = [load(), STACK] if phdrs is None else phdrs
    if 'phnum' not in eh:
        eh['phnum'] = len(phdrs)
    buf = bytearray(max(size, 0))
    table = b''.join(phdrs)
    parts = [(CODE_OFF, CODE), (phoff, table), (0, header or ehdr(phoff=phoff, **eh))]
    parts += list(blobs)
    for off, data in parts:
        if off >= len(buf):
            continue
        end = min(len(buf), off + len(data))
        buf[off:end] = data[:end - off]
    return bytes(buf)


INTERP_OFF = SIZE  # after the PT_LOAD: the string is not mapped (gVisor rule)


def with_interp(path_bytes, filesz=None, offset=INTERP_OFF, extra_phdrs=()):
    """A program whose PT_INTERP holds path_bytes (stored at offset)."""
    n = len(path_bytes) if filesz is None else filesz
    ph = [phdr(PT_INTERP, offset=offset, filesz=n, align=1)] + list(extra_phdrs) + [load(), STACK]
    size = max(SIZE, min(offset + len(path_bytes), SIZE + 0x2000))
    return image(ph, size=size, blobs=[(offset, path_bytes)])


def malicious(d):
    d = os.path.abspath(d)
    helpers = os.path.join(d, 'helpers')
    os.makedirs(helpers, exist_ok=True)
    out = []

    def add(name, kernel, desc, data, mode=0o755):
        path = os.path.join(d, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, mode)
        out.append((name, kernel, desc))

    def helper(name, data, mode=0o755):
        path = os.path.join(helpers, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    many_null = [load(), STACK] + [phdr(PT_NULL)] * 72
    # --- the ELF header and the program header table's geometry
    add('e_phnum_zero', 'errno:ENOEXEC', 'e_phnum 0', image(phnum=0))
    add('e_phnum_65535', 'errno:ENOEXEC', 'e_phnum 0xffff (PN_XNUM)', image(phnum=0xffff))
    add('e_phnum_74', 'runs', '74 program headers: table bigger than a page (Linux 6.x accepts up to 64 KiB)',
        image(many_null, phnum=74, size=SIZE + PAGE))
    add('e_phentsize_32', 'errno:ENOEXEC', 'e_phentsize 32', image(phentsize=32))
    add('e_phentsize_0', 'errno:ENOEXEC', 'e_phentsize 0', image(phentsize=0))
    add('e_phoff_past_eof', 'errno:ENOEXEC', 'e_phoff 1 MiB in an 8 KiB file', image(phoff=0x100000))
    add('e_phoff_overflow', 'errno:ENOEXEC', 'e_phoff + table size wraps around',
        image(header=ehdr(phoff=0xffffffffffffffc8)))
    add('phdrs_truncated', 'errno:ENOEXEC', 'table ends past the end of the file',
        image(phoff=0x100, size=0x100 + 56 + 20))
    add('ei_class_32', 'runs', 'EI_CLASS 1 (32-bit) with 64-bit fields: x86-64 checks e_machine only', image(header=ehdr(ident_bytes=ident(cls=1))))
    add('ei_class_none', 'runs', 'EI_CLASS 0', image(header=ehdr(ident_bytes=ident(cls=0))))
    add('e_machine_aarch64', 'errno:ENOEXEC', 'e_machine 183', image(machine=183))
    add('e_machine_i386', 'errno:ENOEXEC', 'e_machine 3 in a 64-bit file', image(machine=3))
    add('e_type_rel', 'errno:ENOEXEC', 'ET_REL', image(etype=ET_REL))
    add('e_type_core', 'errno:ENOEXEC', 'ET_CORE', image(etype=ET_CORE))
    add('e_type_os', 'errno:ENOEXEC', 'e_type 0xfe00', image(etype=0xfe00))
    add('bad_magic', 'errno:ENOEXEC', '\\177ELf', image(header=ehdr(ident_bytes=ident(magic=b'\x7fELf'))))
    add('truncated_ehdr', 'errno:ENOEXEC', '40 bytes of an ELF header', image()[:40])
    add('empty', 'errno:ENOEXEC', 'empty file', b'')
    add('zeros', 'errno:ENOEXEC', '256 zero bytes', bytes(256))
    # --- PT_LOAD arithmetic
    add('filesz_gt_memsz', 'killed', 'p_filesz > p_memsz',
        image([load(filesz=SIZE, memsz=0x1000), STACK]))
    add('vaddr_memsz_overflow', 'killed', 'p_vaddr + p_memsz wraps',
        image([load(), load(flags=PF_R | PF_W, offset=0, vaddr=0xfffffffffffff000, filesz=0, memsz=0x2000), STACK]))
    add('vaddr_kernel_half', 'killed', 'PT_LOAD in the kernel half',
        image([load(), load(flags=PF_R | PF_W, vaddr=0xffff800000000000, filesz=0x1000), STACK]))
    add('vaddr_past_task_size', 'killed', 'PT_LOAD ending past TASK_SIZE',
        image([load(), load(flags=PF_R | PF_W, vaddr=0x7ffffffff000, filesz=0, memsz=0x3000), STACK]))
    add('offset_misaligned', 'killed', 'p_offset and p_vaddr differ modulo the page',
        image([load(offset=0x10), STACK]))
    add('offset_overflow', 'killed', 'p_offset + p_filesz wraps',
        image([load(), load(flags=PF_R, offset=0xfffffffffffff000, vaddr=0x600000, filesz=0x2000), STACK]))
    add('offset_past_eof', 'killed', 'the code segment is 1 MiB past the end of the file',
        image([load(offset=0x100000), STACK]))
    add('filesz_past_eof', 'runs', 'PT_LOAD file bytes end past a truncated file',
        image([load(filesz=0x3000, memsz=0x3000), STACK], size=0x1200))
    add('memsz_huge', 'killed', 'bss of 64 TiB',
        image([load(), load(flags=PF_R | PF_W, vaddr=0x600000, filesz=0, memsz=0x400000000000), STACK]))
    add('memsz_8gib', 'runs', 'bss of 8 GiB (p_memsz implausibly large)',
        image([load(), load(flags=PF_R | PF_W, vaddr=0x600000, filesz=0, memsz=0x200000000), STACK]))
    add('pt_load_73_same', 'runs', '72 PT_LOAD at the same address',
        image([load()] * 72 + [STACK], size=SIZE + PAGE))
    bad_last = [load()] + [load(flags=PF_R, offset=0, vaddr=0x600000 + i * 0x10000, filesz=0x1000)
                           for i in range(70)]
    add('pt_load_70_then_bad', 'killed', '70 good PT_LOAD, then p_filesz > p_memsz (the FreeBSD leak)',
        image(bad_last + [load(flags=PF_R, vaddr=0x2000000, filesz=0x1000, memsz=0x10), STACK], size=SIZE + PAGE))
    # Found by fuzz_elf: more findings than a report holds, the refusal last.
    add('pt_load_findings_overflow', 'killed', '40 overlapping PT_LOAD (780 findings), then one past the address space',
        image([load()] * 40 + [load(flags=PF_R, vaddr=0xfffffffffffff000, filesz=0, memsz=0x2000), STACK],
              size=SIZE + PAGE))
    # Found by fuzz_elf too: the dropped refusal was segment_eof, and uexec
    # itself died of SIGBUS zeroing a page past the end of the file.
    add('pt_load_findings_overflow_eof', 'killed', '40 overlapping PT_LOAD (780 findings), then one past the end of the file',
        image([load()] * 40 + [load(flags=PF_R | PF_W, vaddr=0x10000000, filesz=0x2300, memsz=0x40000000), STACK]))
    add('pt_load_unsorted', 'runs', 'PT_LOAD in descending address order',
        image([load(flags=PF_R, vaddr=0x800000, filesz=0x1000), load(), STACK]))
    add('pt_load_overlap', 'runs', 'two PT_LOAD overlapping',
        image([load(), load(flags=PF_R | PF_X, vaddr=BASE + 0x1000, offset=0x1000, filesz=0x1000), STACK]))
    add('p_align_not_pow2', 'runs', 'p_align 0x3000', image([load(align=0x3000), STACK]))
    add('p_align_incongruent', 'runs', 'p_vaddr - p_offset not a multiple of p_align',
        image([load(align=0x200000, vaddr=BASE + 0x1000, offset=0, paddr=BASE), STACK],
              entry=BASE + 0x1000 + CODE_OFF))
    add('wx_segment', 'runs', 'PT_LOAD RWX', image([load(flags=PF_R | PF_W | PF_X), STACK]))
    add('exec_stack', 'runs', 'PT_GNU_STACK RWX',
        image([load(), phdr(PT_GNU_STACK, flags=PF_R | PF_W | PF_X, align=16)]))
    add('exec_stack_last_wins', 'runs', 'two PT_GNU_STACK, the last RWX',
        image([load(), STACK, phdr(PT_GNU_STACK, flags=PF_R | PF_W | PF_X, align=16)]))
    add('no_pt_load', 'killed', 'ET_EXEC without PT_LOAD', image([STACK]))
    add('no_pt_load_dyn', 'killed', 'ET_DYN without PT_LOAD', image([STACK], etype=ET_DYN))
    add('zero_memsz_only', 'killed', 'the only PT_LOAD is empty', image([load(filesz=0, memsz=0), STACK]))
    # --- entry point
    add('entry_outside', 'killed', 'e_entry outside every PT_LOAD', image(entry=0x900000))
    add('entry_not_exec', 'killed', 'e_entry in a segment without PF_X',
        image([load(flags=PF_R | PF_W), STACK]))
    add('entry_kernel', 'killed', 'e_entry in the kernel half', image(entry=0xffffffff81000000))
    add('entry_zero_dyn', 'killed', 'ET_DYN whose entry is in no segment',
        image([load(vaddr=0), STACK], etype=ET_DYN, entry=0x10000000))
    # --- where the program headers are
    add('phdrs_past_first_page', 'runs', 'program headers at 0x1800',
        image(phoff=0x1800))
    add('phdrs_misaligned', 'runs', 'e_phoff 65', image(phoff=65))
    add('phdrs_not_loaded', 'runs', 'program headers outside every PT_LOAD',
        image([load(offset=0x1000, vaddr=BASE + 0x1000, filesz=0x1000), STACK]))
    add('pt_phdr_wrong', 'runs', 'PT_PHDR pointing elsewhere',
        image([phdr(PT_PHDR, offset=64, vaddr=0x12345000, filesz=168, align=8), load(), STACK]))
    add('ei_pad_nonzero', 'runs', 'EI_PAD bytes not zero',
        image(header=ehdr(ident_bytes=ident(pad=b'\x01' * 8))))
    add('e_version_zero', 'runs', 'e_version 0 and EI_VERSION 0',
        image(header=ehdr(ident_bytes=ident(version=0), version=0)))
    add('ei_data_msb', 'runs', 'EI_DATA big-endian with x86-64 fields',
        image(header=ehdr(ident_bytes=ident(data=2))))
    # --- PT_INTERP
    text_interp = helper('text_interp', b'not an ELF file\n')
    elf32 = helper('elf32_interp', ehdr(ident_bytes=ident(cls=1)) + bytes(200))
    noexec = helper('noexec_interp', image(), mode=0o644)
    add('interp_unterminated', 'errno:ENOEXEC', 'PT_INTERP without a final NUL',
        with_interp(b'/lib64/ld-linux-x86-64.so.2'))
    add('interp_size_1', 'errno:ENOEXEC', 'PT_INTERP of 1 byte', with_interp(b'\0', filesz=1))
    add('interp_size_5000', 'errno:ENOEXEC', 'PT_INTERP longer than PATH_MAX',
        with_interp(b'/' * 4999 + b'\0'))
    add('interp_past_eof', 'errno:EIO', 'PT_INTERP string past the end of the file',
        with_interp(b'/lib64/ld-linux-x86-64.so.2\0', offset=0x100000))
    add('interp_offset_overflow', 'errno:EINVAL', 'PT_INTERP offset + size wraps',
        image([phdr(PT_INTERP, offset=0xfffffffffffffff0, filesz=0x20, align=1), load(), STACK]))
    add('interp_missing', 'errno:ENOENT', 'PT_INTERP names a file that does not exist',
        with_interp(b'/nonexistent/ld-uexec-test.so\0'))
    add('interp_empty_path', 'errno:EACCES', 'PT_INTERP is the empty string', with_interp(b'\0\0'))
    add('interp_not_elf', 'errno:EIO', 'the interpreter is a text file shorter than an ELF header',
        with_interp(text_interp.encode() + b'\0'))
    add('interp_32bit', 'killed', 'the interpreter is a 32-bit ELF',
        with_interp(elf32.encode() + b'\0'))
    add('interp_directory', 'errno:EACCES', 'the interpreter is a directory', with_interp(b'/tmp\0'))
    add('interp_not_executable', 'errno:EACCES', 'the interpreter has mode 0644',
        with_interp(noexec.encode() + b'\0'))
    add('interp_two', 'errno:ENOENT', 'two PT_INTERP, the first missing',
        with_interp(b'/nonexistent/first.so\0', extra_phdrs=[
            phdr(PT_INTERP, offset=INTERP_OFF, filesz=28, align=1)]))
    add('interp_nul_inside', 'errno:ENOENT', 'PT_INTERP with a NUL in the middle',
        with_interp(b'/nonexistent/x\0/lib64/ld-linux-x86-64.so.2\0'))
    # --- #! scripts
    def script(name, line, kernel, desc):
        add(name, kernel, desc, line)

    a = os.path.join(d, 'shebang_loop_a')
    b = helper('shebang_loop_b', b'#!' + a.encode() + b'\n')
    script('shebang_loop_a', b'#!' + b.encode() + b'\n', 'errno:ELOOP', 'a -> b -> a')
    script('shebang_self', b'#!' + os.path.join(d, 'shebang_self').encode() + b'\n', 'errno:ELOOP',
           'a script that names itself')
    tiny = helper('tiny_ok', image())
    link = tiny
    for i in range(7):
        link = helper('chain%d' % i, b'#!' + link.encode() + b'\n')
    script('shebang_chain_8', b'#!' + link.encode() + b'\n', 'errno:ELOOP', '8 scripts before the ELF')
    script('shebang_missing', b'#!/nonexistent/interpreter\n', 'errno:ENOENT', 'missing interpreter')
    script('shebang_empty', b'#!\n', 'errno:ENOEXEC', 'no interpreter')
    script('shebang_spaces', b'#!   \t \n', 'errno:ENOEXEC', 'only blanks')
    script('shebang_long', b'#!/' + b'x' * 300, 'errno:ENOEXEC', 'no end within 256 bytes')
    script('shebang_crlf', b'#!/bin/sh\r\necho\r\n', 'errno:ENOENT', 'DOS line end: /bin/sh\\r')
    script('shebang_directory', b'#!/tmp\n', 'errno:EACCES', 'the interpreter is a directory')
    script('shebang_to_bad_elf', b'#!' + os.path.join(d, 'e_phnum_zero').encode() + b'\n',
           'errno:ENOEXEC', 'the interpreter is a malformed ELF')
    script('shebang_to_text', b'#!' + text_interp.encode() + b'\n', 'errno:ENOEXEC',
           'the interpreter is neither ELF nor #!')

    with open(os.path.join(d, 'MANIFEST'), 'w') as f:
        for name, kernel, desc in out:
            f.write('%s\t%s\t%s\n' % (name, kernel, desc))
    return out


def seeds(d):
    """Seed corpora: the malicious files plus well-formed inputs."""
    elf = os.path.join(d, 'elf')
    mal = os.path.join(d, 'malicious-tmp')
    os.makedirs(elf, exist_ok=True)
    for name, _, _ in malicious(mal):
        with open(os.path.join(mal, name), 'rb') as f:
            data = f.read()
        with open(os.path.join(elf, name), 'wb') as f:
            f.write(data)
    with open(os.path.join(elf, 'valid_static'), 'wb') as f:
        f.write(image())
    with open(os.path.join(elf, 'valid_interp'), 'wb') as f:
        f.write(with_interp(b'/lib64/ld-linux-x86-64.so.2\0'))
    script = os.path.join(d, 'script')
    os.makedirs(script, exist_ok=True)
    lines = [b'#!/bin/sh\n', b'#! /bin/sh -e\n', b'#!/bin/sh\0-x\n', b'#!\t/bin/sh\t-x  y\t\n',
             b'#!/bin/sh\r\n', b'#!\n', b'#!/' + b'a' * 260, b'#!/bin/sh ' + b'b' * 250,
             b'#!/nonexistent\n', b'#!   \n', b'#!/bin/sh' + b' ' * 247 + b'\n',
             # The explain hints' escapes at every length: no-break spaces
             # (6 characters each shown) and control bytes filling the line.
             b'#!' + b'\xc2\xa0' * 127 + b'\n', b'#!/x' + b'\x01' * 250 + b'\n', b'#!/bin/sh\xc2\xa0\n']
    for i, line in enumerate(lines):
        with open(os.path.join(script, 'line%02d' % i), 'wb') as f:
            f.write(line)
    misc = os.path.join(d, 'misc')
    os.makedirs(misc, exist_ok=True)
    rules = [':qemu-arm:M::\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:'
             '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-arm:OCF',
             ':py:E::py::/usr/bin/python3:', ':DOSWin:M::MZ::/usr/bin/wine:', ':x:M:10:ab:ff:/bin/sh:P',
             ':bad:X::ab::/bin/sh:', '::M::ab::/bin/sh:', ':a/b:M::ab::/bin/sh:', ':x:M:250:abcdefghij::/bin/sh:',
             ':x:E::a/b::/bin/sh:', ':x:M::\\x4:ff:/bin/sh:', ':.:M::ab::/bin/sh:', '|x|M||ab||/bin/sh|F']
    for i, r in enumerate(rules):
        with open(os.path.join(misc, 'rule%02d' % i), 'w') as f:
            f.write(r)
    for name in os.listdir(mal):
        p = os.path.join(mal, name)
        if os.path.isfile(p):
            os.unlink(p)
    for name in os.listdir(os.path.join(mal, 'helpers')):
        os.unlink(os.path.join(mal, 'helpers', name))
    os.rmdir(os.path.join(mal, 'helpers'))
    os.rmdir(mal)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('malicious', 'seeds'):
        sys.stderr.write(__doc__)
        return 2
    if sys.argv[1] == 'malicious':
        n = len(malicious(sys.argv[2]))
        print('%d malicious files in %s' % (n, sys.argv[2]))
    else:
        seeds(sys.argv[2])
        print('seed corpora in %s' % sys.argv[2])
    return 0


if __name__ == '__main__':
    sys.exit(main())
