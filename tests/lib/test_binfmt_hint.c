/* binfmt_hint.c: the diagnoses of the classic mistakes, one case each:
 * escaping, #! interpreter names with a carriage return, a no-break space
 * or a control byte, dangling links (one, and inside a chain, on real
 * symbolic links), what a file no handler takes is, and ELF hints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "binfmt_hint.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void t_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(binfmt_hint_escape("/bin/sh\r", out, sizeof(out)), 9);
	assert_string_equal(out, "/bin/sh\\r");
	binfmt_hint_escape("a\tb\x01\x7f\xc2\xa0z", out, sizeof(out));
	assert_string_equal(out, "a\\tb\\x01\\x7f\\u00a0z");
	/* Bounded: never past the buffer, always terminated. */
	binfmt_hint_escape("\r\r\r\r\r\r\r\r", out, 8);
	assert_true(strlen(out) < 8);
	/* Every size, with the longest escape (6 characters) at every offset:
	 * the byte after the buffer is never written (the fuzzer found
	 * \u00a0 written past a 256-byte buffer), the text is whole escapes. */
	for (size_t n = 1; n <= 40; n++)
		for (size_t lead = 0; lead < 8; lead++) {
			char in[64], buf[48];
			size_t len;

			memset(in, 'a', lead);
			strcpy(in + lead, "\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0");
			memset(buf, '#', sizeof(buf));
			len = binfmt_hint_escape(in, buf, n);
			assert_true(len < n);
			assert_int_equal(strlen(buf), len);
			assert_int_equal(buf[n], '#');
			assert_true(len <= lead || (len - lead) % 6 == 0);
		}
}

static void t_interp(void **state)
{
	char out[512];

	(void)state;
	assert_true(binfmt_hint_interp("./s", "/bin/sh\r", out, sizeof(out)));
	assert_non_null(strstr(out, "\"/bin/sh\\r\""));
	assert_non_null(strstr(out, "sed -i 's/\\r$//' ./s"));
	assert_true(binfmt_hint_interp("./s", "/bin/sh\xc2\xa0", out, sizeof(out)));
	assert_non_null(strstr(out, "no-break space"));
	assert_true(binfmt_hint_interp("./s", "/bin/\x1bsh", out, sizeof(out)));
	assert_non_null(strstr(out, "\\x1b"));
	assert_false(binfmt_hint_interp("./s", "/no/such/interpreter", out, sizeof(out)));
}

static void t_dangling(void **state)
{
	char dir[] = "/tmp/uexec-hint-XXXXXX", a[64], b[64], out[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	assert_int_equal(symlink("nowhere", a), 0);
	assert_int_equal(symlink("a", b), 0);
	assert_true(binfmt_hint_dangling(a, out, sizeof(out)));
	assert_non_null(strstr(out, "symbolic link to nowhere, which does not exist"));
	assert_true(binfmt_hint_dangling(b, out, sizeof(out)));
	assert_non_null(strstr(out, "chain of symbolic links"));
	assert_non_null(strstr(out, a));
	/* A missing file that is no link, and a link that resolves: no hint. */
	assert_false(binfmt_hint_dangling("/no/such/file", out, sizeof(out)));
	assert_int_equal(unlink(a), 0);
	assert_int_equal(symlink("/bin/sh", a), 0);
	assert_false(binfmt_hint_dangling(b, out, sizeof(out)));
	unlink(a);
	unlink(b);
	rmdir(dir);
}

static void unknown_has(const void *bytes, size_t len, const char *want)
{
	char out[512];

	binfmt_hint_unknown("./f", bytes, len, out, sizeof(out));
	if (!strstr(out, want))
		printf("# got: %s\n", out);
	assert_non_null(strstr(out, want));
}

static void t_unknown(void **state)
{
	(void)state;
	unknown_has("\xef\xbb\xbf#!/bin/sh\n", 13, "byte-order mark");
	unknown_has("MZ\x90\0", 4, "Windows program");
	unknown_has("\xcf\xfa\xed\xfe\x07\0\0\x01", 8, "macOS program (Mach-O)");
	unknown_has("\xfe\xed\xfa\xce", 4, "macOS program (Mach-O)");
	unknown_has("\xca\xfe\xba\xbe\0\0\0\x3d", 8, "Java class file (major version 61)");
	unknown_has("\xca\xfe\xba\xbe\0\0\0\x02", 8, "universal program (fat Mach-O)");
	unknown_has("PK\x03\x04", 4, "java -jar ./f");
	unknown_has("echo hi\r\n", 9, "has no #! line");
	unknown_has("\x01\x02\x03\x04\x05", 5, "first bytes 01 02 03 04");
}

static void t_elf(void **state)
{
	unsigned char eh[64] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT };
	char out[512];

	(void)state;
	eh[18] = EM_AARCH64;
	binfmt_hint_elf(eh, sizeof(eh), out, sizeof(out));
	assert_non_null(strstr(out, "qemu-user-binfmt"));
	assert_non_null(strstr(out, "qemu-aarch64"));
	eh[18] = EM_X86_64;
	binfmt_hint_elf(eh, sizeof(eh), out, sizeof(out));
	assert_string_equal(out, "");
	/* 32-bit: the kernel is asked; either answer is a sentence. */
	eh[EI_CLASS] = ELFCLASS32;
	eh[18] = EM_386;
	binfmt_hint_elf(eh, sizeof(eh), out, sizeof(out));
	assert_non_null(strstr(out, "32-bit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_escape),
		cmocka_unit_test(t_interp),
		cmocka_unit_test(t_dangling),
		cmocka_unit_test(t_unknown),
		cmocka_unit_test(t_elf),
	};
	return cmocka_run_group_tests_name("binfmt_hint", tests, NULL, NULL);
}
