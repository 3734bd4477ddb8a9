/* Diagnoses of the classic reasons a file does not start (binfmt_hint.c). */
#ifndef UEXEC_BINFMT_HINT_H
#define UEXEC_BINFMT_HINT_H

#include <stdbool.h>
#include <stddef.h>

/* s with control characters (and U+00A0) as C escapes; returns the length. */
size_t binfmt_hint_escape(const char *s, char *out, size_t n);
/* A missing #! interpreter whose name holds a carriage return (DOS line
 * endings), a no-break space or another control character. */
bool binfmt_hint_interp(const char *script, const char *name, char *out, size_t n);
/* path, or a link of its chain, is a symbolic link to nothing. */
bool binfmt_hint_dangling(const char *path, char *out, size_t n);
/* What a file no handler takes is (first len bytes p). */
void binfmt_hint_unknown(const char *name, const unsigned char *p, size_t len, char *out, size_t n);
/* An ELF the ELF handler refused: "; ..." to append (32-bit and IA32
 * emulation, another machine and the binfmt_misc package), or "". */
void binfmt_hint_elf(const unsigned char *buf, size_t len, char *out, size_t n);

#endif
