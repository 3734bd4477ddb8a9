#!/usr/bin/env python3
"""One example file per rule of `uexec check` (TAP).

    test_check_rules.py              the test (UEXEC_BIN, UEXEC_SOURCE_ROOT)
    test_check_rules.py --write DIR  only write the example files to DIR

Each example is the small valid program of fuzz/gen_corpus.py (one PT_LOAD
at 0x400000, code that exits 42) with one thing broken. For each rule of
the table (`uexec check --rules --json`) the test runs `uexec check --json`
on its file and requires exactly that rule, plus the rules the same fault
implies by definition (COMPANIONS), nothing else, with the table's
severity; the clean controls (with and without section headers) must give
no finding at all. A rule without an example fails the test, so that a
new rule comes with its file. Rules `check` cannot meet in a file named to
it (the interpreter's short header, the magic, which check reports as
not_elf) are judged in tests/lib/test_elf_check.c: LOADER_ONLY."""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get('UEXEC_SOURCE_ROOT', os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..')), 'fuzz'))
import gen_corpus as g  # noqa: E402

LOADER_ONLY = {
    'ehdr_short': 'only an interpreter is read with a short read',
    'elf_magic': 'check reports a named file without the magic as not_elf',
}
# A program header table over a page cannot end inside the first page.
COMPANIONS = {'phdr_table_page': {'phdr_location'}}

SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 0, 1, 2, 3, 4
SHOFF = 0x1800
INTERP = b'/lib64/ld-linux-x86-64.so.2\0'
INTERP_OFF = 0x1400  # inside the PT_LOAD, after the code


def shdr(stype=SHT_PROGBITS, offset=0, size=0, link=0, info=0, align=1, entsize=0, flags=0, name=0):
    return struct.pack('<IIQQQQIIQQ', name, stype, flags, 0, offset, size, link, info, align, entsize)


CLEAN_SECTIONS = [shdr(SHT_NULL, align=0), shdr(SHT_STRTAB, offset=0x1c00, size=16),
                  shdr(SHT_PROGBITS, offset=g.CODE_OFF, size=len(g.CODE), align=16)]


def with_sections(sections, shoff=SHOFF, shentsize=64, shnum=None, shstrndx=1, data=None):
    """The clean program with a section header table at shoff."""
    buf = bytearray(g.image() if data is None else data)
    table = b''.join(sections)
    if shoff + len(table) <= len(buf):
        buf[shoff:shoff + len(table)] = table
    struct.pack_into('<Q', buf, 40, shoff)
    struct.pack_into('<HHH', buf, 58, shentsize, len(sections) if shnum is None else shnum, shstrndx)
    return bytes(buf)


def patched(data, fmt, off, *values):
    buf = bytearray(data)
    struct.pack_into(fmt, buf, off, *values)
    return bytes(buf)


def interp_image(ph_interp, blob=INTERP, blob_off=INTERP_OFF, size=g.SIZE):
    return g.image(ph_interp + [g.load(), g.STACK], size=size, blobs=[(blob_off, blob)])


def interp_ph(offset=INTERP_OFF, filesz=len(INTERP)):
    return g.phdr(g.PT_INTERP, offset=offset, vaddr=g.BASE + offset, filesz=filesz, align=1)


def examples(d):
    """name -> (path, expected rule ids). Scripts name files in d."""
    load, phdr, image, STACK = g.load, g.phdr, g.image, g.STACK
    BASE, SIZE, CODE_OFF = g.BASE, g.SIZE, g.CODE_OFF
    PT_PHDR, PT_DYNAMIC, PT_NOTE = g.PT_PHDR, g.PT_DYNAMIC, 4
    R, W, X = g.PF_R, g.PF_W, g.PF_X
    table_size = 3 * 56
    elf = {
        'clean': image(),
        'clean_sections': with_sections(CLEAN_SECTIONS),
        # ELF header
        'ei_class': image(header=g.ehdr(ident_bytes=g.ident(cls=1))),
        'e_type': image(etype=g.ET_CORE),
        'e_machine': image(machine=183),
        'ei_data': image(header=g.ehdr(ident_bytes=g.ident(data=2))),
        'e_version': image(header=g.ehdr(version=0)),
        'ei_pad': image(header=g.ehdr(ident_bytes=g.ident(pad=bytes(1) + b'\x01' + bytes(6)))),
        'e_ehsize': patched(image(), '<H', 52, 52),
        'e_phentsize': image(phentsize=32),
        'e_phnum': image(phnum=0),
        'phdr_table_page': image([load(), STACK] + [phdr(g.PT_NULL, align=0)] * 72),
        'e_phoff': image(phoff=0x100000),
        'phdr_location': image(phoff=0x1800),
        'phdr_align': image(phoff=65),
        'e_shentsize': with_sections(CLEAN_SECTIONS, shentsize=40),
        'e_shoff': with_sections(CLEAN_SECTIONS, shoff=0x100000),
        'e_shstrndx': with_sections(CLEAN_SECTIONS, shstrndx=9),
        # PT_INTERP and the other program headers
        'pt_interp_multiple': interp_image([interp_ph(), interp_ph()]),
        'pt_interp_size': interp_image([interp_ph(filesz=1)]),
        'pt_interp_file': interp_image([interp_ph(offset=0x100000)]),
        'pt_interp_not_loaded': interp_image([interp_ph(offset=SIZE)], blob_off=SIZE, size=SIZE + 0x100),
        'pt_interp_unterminated': interp_image([interp_ph(filesz=len(INTERP) - 1)], blob=INTERP[:-1] + b'x'),
        'pt_interp_empty': interp_image([interp_ph(filesz=2)], blob=b'\0\0'),
        'pt_interp_nul': interp_image([interp_ph(filesz=12)], blob=b'/lib\0/ld.so\0'),
        'exec_stack': image([load(), phdr(g.PT_GNU_STACK, flags=R | W | X, align=16)]),
        'pt_phdr_multiple': image([phdr(PT_PHDR, offset=64, vaddr=BASE + 64, filesz=4 * 56, align=8)] * 2 +
                                  [load(), STACK]),
        'pt_phdr_order': image([load(), phdr(PT_PHDR, offset=64, vaddr=BASE + 64, filesz=table_size, align=8),
                                STACK]),
        'pt_dynamic_multiple': image([load()] + [phdr(PT_DYNAMIC, flags=R | W, offset=0x1400,
                                                      vaddr=BASE + 0x1400, filesz=0x20, align=8)] * 2 + [STACK]),
        'pt_dynamic_not_loaded': image([load(), phdr(PT_DYNAMIC, flags=R | W, offset=0x1400, vaddr=0x900000,
                                                     filesz=0x20, align=8), STACK]),
        'p_type': image([load(), phdr(0x1234), STACK]),
        'segment_file': image([load(), phdr(PT_NOTE, offset=0x100000, vaddr=BASE, filesz=0x20, align=4),
                               STACK]),
        'segment_filesz': image([load(), phdr(PT_NOTE, offset=0x1400, vaddr=BASE + 0x1400, filesz=0x20,
                                              memsz=0x10, align=4), STACK]),
        'segment_align': image([load(), phdr(PT_NOTE, offset=0x1400, vaddr=BASE + 0x1400, filesz=0x20,
                                             align=3), STACK]),
        # each PT_LOAD
        'p_offset': image([load(offset=0x10, filesz=SIZE - 0x10), STACK]),
        'p_offset_overflow': image([load(), load(flags=R, offset=0xfffffffffffff000, vaddr=0x600000,
                                                 filesz=0x2000), STACK]),
        'p_filesz': image([load(), load(flags=R | W, vaddr=0x600000, filesz=0x1000, memsz=0x800), STACK]),
        'p_vaddr': image([load(), load(flags=R | W, vaddr=0x7ffffffff000, filesz=0, memsz=0x3000), STACK]),
        'segment_eof': image([load(filesz=0x3000, memsz=0x3000), STACK]),
        'p_align': image([load(align=0x3000), STACK]),
        'p_align_congruent': image([load(align=0x200000, vaddr=BASE + 0x1000, paddr=BASE), STACK],
                                   entry=BASE + 0x1000 + CODE_OFF),
        'pt_load_flags': image([load(), load(flags=0, vaddr=0x600000, filesz=0x1000), STACK]),
        'wx_segment': image([load(flags=R | W | X), STACK]),
        'p_memsz_huge': image([load(), load(flags=R | W, vaddr=0x600000, filesz=0, memsz=0x200000000), STACK]),
        'pt_load_order': image([load(flags=R, vaddr=0x800000, filesz=0x1000), load(), STACK]),
        'pt_load_overlap': image([load(), load(vaddr=BASE + 0x1000, offset=0x1000, filesz=0x1000), STACK]),
        # the image and its entry
        'total_size': image([STACK], etype=g.ET_DYN, entry=0x1000),
        'no_pt_load': image([STACK]),
        'e_entry': image(entry=0xffffffff81000000),
        'e_entry_outside': image(entry=0x900000),
        'e_entry_not_exec': image([load(flags=R | W), STACK]),
        'phdr_not_loaded': image([load(offset=0x1000, vaddr=BASE + 0x1000, filesz=0x1000), STACK]),
        'pt_phdr': image([phdr(PT_PHDR, offset=64, vaddr=BASE + 0x80, filesz=table_size, align=8), load(),
                          STACK]),
        'pt_phdr_not_loaded': image([phdr(PT_PHDR, offset=64, vaddr=BASE + 64, filesz=table_size,
                                          memsz=0x100000, align=8), load(), STACK]),
        # section headers
        'shdr_null': with_sections([shdr(SHT_PROGBITS)] + CLEAN_SECTIONS[1:]),
        'sh_offset': with_sections(CLEAN_SECTIONS + [shdr(SHT_PROGBITS, offset=0x100000, size=16)]),
        'sh_link': with_sections(CLEAN_SECTIONS + [shdr(SHT_PROGBITS, link=50)]),
        'sh_info': with_sections(CLEAN_SECTIONS + [shdr(SHT_RELA, offset=0x1c00, size=0, align=8, entsize=24,
                                                        info=50)]),
        'sh_addralign': with_sections(CLEAN_SECTIONS + [shdr(SHT_PROGBITS, align=3)]),
        'sh_entsize': with_sections(CLEAN_SECTIONS + [shdr(SHT_SYMTAB, offset=0x1c00, size=0, link=1, align=8,
                                                           entsize=16)]),
    }
    out = {}
    for name, data in elf.items():
        path = os.path.join(d, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, 0o755)
        out[name] = (path, set() if name.startswith('clean') else {name} | COMPANIONS.get(name, set()))

    def text(name, data, mode=0o755):
        path = os.path.join(d, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    fifo = os.path.join(d, 'not_regular')
    os.mkfifo(fifo)
    out['not_regular'] = (fifo, {'not_regular'})
    out['not_elf'] = (text('not_elf', b'echo hello\n'), {'not_elf'})
    out['open_exec'] = (text('open_exec', b'#!/bin/sh\n', mode=0o644), {'open_exec'})
    loop = os.path.join(d, 'script_loop')
    out['script_loop'] = (text('script_loop', b'#!' + loop.encode() + b'\n'), {'script_loop'})
    out['script'] = (text('script', b'#!/nonexistent/uexec-rule-test\n'), {'script'})
    plain = text('plain_text', b'hello\n')
    out['not_executable'] = (text('not_executable', b'#!' + plain.encode() + b'\n'), {'not_executable'})
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--write':
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, (path, want) in sorted(examples(sys.argv[2]).items()):
            print('%s\t%s' % (path, ' '.join(sorted(want)) or '-'))
        return 0
    uexec = os.environ['UEXEC_BIN']
    table = json.loads(subprocess.run([uexec, 'check', '--rules', '--json'], check=True,
                                      capture_output=True, text=True).stdout)['rules']
    severity = {r['id']: r['severity'] for r in table}
    ids = [r['id'] for r in table]
    with tempfile.TemporaryDirectory(prefix='uexec-rules-') as d:
        ex = examples(d)
        cases = ['clean', 'clean_sections'] + ids
        print('1..%d' % len(cases))
        failed = 0
        for i, name in enumerate(cases, 1):
            if name in LOADER_ONLY:
                if name in ex:
                    print('not ok %d - %s: has a check example, but is listed as loader only' % (i, name))
                    failed += 1
                else:
                    print('ok %d - %s # loader only (%s): tests/lib/test_elf_check.c' % (i, name, LOADER_ONLY[name]))
                continue
            if name not in ex:
                print('not ok %d - %s: no example file for this rule' % (i, name))
                failed += 1
                continue
            path, want = ex[name]
            r = subprocess.run([uexec, 'check', '--json', path], capture_output=True, text=True, timeout=60)
            files = json.loads(r.stdout)['files'] if r.stdout else []
            got = [(f['rule'], f['severity']) for x in files for f in x['findings']]
            bad = []
            if {rule for rule, _ in got} != want:
                bad.append('rules %s, expected %s' % (sorted({rule for rule, _ in got}), sorted(want)))
            bad += ['%s is %s, the table says %s' % (rule, sev, severity[rule])
                    for rule, sev in got if severity.get(rule) != sev]
            if r.returncode != (1 if want else 0):
                bad.append('exit %d' % r.returncode)
            if bad:
                print('not ok %d - %s: %s' % (i, name, '; '.join(bad)))
                for line in r.stdout.splitlines() + r.stderr.splitlines():
                    print('# ' + line)
                failed += 1
            else:
                print('ok %d - %s: %s' % (i, name, ', '.join(sorted(want)) or 'no finding'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
