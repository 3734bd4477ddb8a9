/* A minimal streaming JSON writer: enough for reports, no allocation.
 * uexec's and leakloop's --json output both go through it. */
#ifndef UEXEC_JSON_H
#define UEXEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool need_comma[32];
};

void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_int(struct json *j, const char *key, long long value);
void json_uint(struct json *j, const char *key, unsigned long long value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* JSON has no NaN or Infinity: those are null. json_double is "%.6g",
 * json_fixed has that many decimals ("%.*f"). */
void json_double(struct json *j, const char *key, double value);
void json_fixed(struct json *j, const char *key, double value, int decimals);
/* Addresses as "0x..." strings: JSON numbers lose precision past 2^53. */
void json_hex(struct json *j, const char *key, uint64_t value);
/* One element of the array being written, rendered already (len bytes of
 * text, copied as is: say, written by another thread into its own buffer);
 * this writer adds only the comma before it. */
void json_raw_element(struct json *j, const char *text, size_t len);

#endif
