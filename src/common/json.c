#include "json.h"

#include <math.h>

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Comma and key before a value; inside arrays key is NULL. */
static void prefix(struct json *j, const char *key)
{
	if (j->depth > 0 && j->need_comma[j->depth])
		fputc(',', j->f);
	if (j->depth > 0)
		j->need_comma[j->depth] = true;
	if (key) {
		put_str(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_begin_object(struct json *j, const char *key) { open_(j, key, '{'); }
void json_end_object(struct json *j) { close_(j, '}'); }
void json_begin_array(struct json *j, const char *key) { open_(j, key, '['); }
void json_end_array(struct json *j) { close_(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
	prefix(j, key);
	if (value)
		put_str(j->f, value);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *key, long long value)
{
	prefix(j, key);
	fprintf(j->f, "%lld", value);
}

void json_uint(struct json *j, const char *key, unsigned long long value)
{
	prefix(j, key);
	fprintf(j->f, "%llu", value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	prefix(j, key);
	fputs(value ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void json_double(struct json *j, const char *key, double value)
{
	prefix(j, key);
	if (isfinite(value))
		fprintf(j->f, "%.6g", value);
	else
		fputs("null", j->f);
}

void json_fixed(struct json *j, const char *key, double value, int decimals)
{
	prefix(j, key);
	if (isfinite(value))
		fprintf(j->f, "%.*f", decimals, value);
	else
		fputs("null", j->f);
}

void json_hex(struct json *j, const char *key, uint64_t value)
{
	char buf[24];

	prefix(j, key);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)value);
	put_str(j->f, buf);
}

void json_raw_element(struct json *j, const char *text, size_t len)
{
	prefix(j, NULL);
	fwrite(text, 1, len, j->f);
}
