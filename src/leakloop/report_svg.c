// SPDX-License-Identifier: MIT
/*
 * --svg: one chart of what grew, outstanding objects against the iteration
 * count, one line per checkpoint series. The point of the chart is the
 * shape, which the numbers hide: a leak is a straight rising line that stays
 * up after the settle time, batched frees are a saw tooth, a cache that
 * "grew, then freed" falls back at the settle marker.
 *
 * Two panels on one iteration axis, each with its own scale, so a leak of
 * one object per run is not flattened by a busy cache: above, the tracer's
 * groups (call sites; stacks with --stacks all), leaks first; below, the
 * /proc/slabinfo caches (all tasks) that grew, then the busiest others.
 * A hollow circle at the end of a line: the count after the settle time.
 * Plain SVG 1.1 with no script or external font, so any browser or
 * converter shows it the same.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

#define W 1000
#define H 700
#define PL 90		/* plot areas: left and right edges */
#define PR 610
#define MAX_GROUP_LINES 6
#define MAX_SLAB_LINES 4
#define MAX_LINES (MAX_GROUP_LINES + MAX_SLAB_LINES)

/* Colour-blind-safe first (Okabe-Ito) for the tracer panel, then four
 * other saturated ones for the slab panel: no colour means two things. */
static const char *const palette[MAX_LINES] = {
	"#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
	"#6A3D9A", "#B15928", "#808000", "#E7298A",
};

struct series {
	char label[160];
	double y[LL_MAX_CP];	/* one per loop checkpoint */
	size_t n;
	double settled;
	bool have_settled;
	const char *cache;	/* slab panel: the cache's name */
	bool leak;	/* drawn thicker: what the chart is about */
};

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

/* fmax() and fmin() (a NaN loses) without libm: see nice_step(). */
static double dmax(double a, double b)
{
	return isnan(b) || a > b ? a : b;
}

static double dmin(double a, double b)
{
	return isnan(b) || a < b ? a : b;
}

/* 1, 2 or 5 times a power of ten, about range/target. */
static double nice_step(double range, int target)
{
	double raw = range / target, mag, r;

	if (!(raw > 0))
		return 1;
	/* 10^floor(log10(raw)) without libm: leakloop links no libm, so the
	 * loop's spawner (a fork of leakloop) maps one library less for
	 * every run to copy (docs/leakloop.md, "Overhead"). Off by one
	 * power at exact powers of ten, which the 10 * mag case absorbs. */
	for (mag = 1; mag * 10 <= raw && mag < 1e300;)
		mag *= 10;
	while (mag > raw && mag > 1e-300)
		mag /= 10;
	r = raw / mag;
	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

static void tick_label(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

static const char *group_site(const struct ll_run *run, const struct ll_group *g, char *buf,
			      size_t len)
{
	const struct ksym *s = NULL;
	uint64_t off = 0;

	if (g->kind == LL_PAGE && g->site >= LL_PAGE_SITE(0) && g->site <= LL_PAGE_SITE(31)) {
		snprintf(buf, len, "page allocator, order %u",
			 (unsigned)(g->site - LL_PAGE_SITE(0)));
		return buf;
	}
	if (g->site == LL_PERCPU_SITE)
		return "percpu allocator";
	if (run->have_ksyms)
		s = ksyms_find(&run->ksyms, g->site, &off);
	/* With the offset: one function often has several growing sites. */
	if (s)
		snprintf(buf, len, "%.40s+0x%" PRIx64, s->name, off);
	else
		snprintf(buf, len, "0x%" PRIx64, g->site);
	return buf;
}

/* Leaks first, then growing groups; within a class the steepest first. */
static int group_rank(const struct ll_group *g)
{
	return g->res.cls == LL_LEAK ? 0 : g->res.cls == LL_GROWING_FREED ? 1 : 2;
}

static bool ranks_before(const struct ll_group *a, const struct ll_group *b)
{
	if (group_rank(a) != group_rank(b))
		return group_rank(a) < group_rank(b);
	return a->res.fit.slope > b->res.fit.slope;
}

static size_t pick_groups(const struct ll_run *run, struct series *out, size_t max)
{
	const struct ll_group *top[MAX_GROUP_LINES];
	size_t n = 0, fc = run->settled ? run->ncp : run->ncp - 1;

	/* Insertion into a short sorted list: a few thousand groups at most. */
	for (size_t i = 0; i < run->groups.n; i++) {
		const struct ll_group *g = &run->groups.v[i];
		size_t at;

		if (g->res.cls == LL_FLAT)
			continue;
		for (at = n; at > 0 && ranks_before(g, top[at - 1]); at--)
			;
		if (at >= max)
			continue;
		if (n < max)
			n++;
		memmove(&top[at + 1], &top[at], (n - 1 - at) * sizeof(top[0]));
		top[at] = g;
	}
	for (size_t k = 0; k < n; k++) {
		const struct ll_group *g = top[k];
		struct series *s = &out[k];
		char site[80];

		snprintf(s->label, sizeof(s->label), "%s: %.40s at %.79s",
			 g->res.cls == LL_LEAK ? "LEAK" : "grew, freed",
			 g->cache[0] ? g->cache : "?", group_site(run, g, site, sizeof(site)));
		s->n = run->ncp;
		memcpy(s->y, g->objs, run->ncp * sizeof(double));
		s->settled = g->objs[fc];
		s->have_settled = run->settled;
		s->leak = g->res.cls == LL_LEAK;
	}
	return n;
}

/* One cache's active objects relative to the baseline, per checkpoint. */
static void slab_series(const struct ll_run *run, const struct slab_cache *bc,
			struct series *s)
{
	double prev = 0;

	for (size_t j = 0; j <= run->ncp && j < LL_MAX_CP; j++) {
		const struct slab_cache *c;

		if (j == run->ncp && !run->settled)
			break;
		c = slab_snapshot_find(&run->snaps[j], bc->name);
		/* A cache destroyed mid-run keeps its last count. */
		prev = c ? (double)c->active_objs - (double)bc->active_objs : prev;
		if (j < run->ncp)
			s->y[j] = prev;
		else
			s->settled = prev;
	}
	s->n = run->ncp;
	s->have_settled = run->settled;
}

static bool picked(const struct series *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].cache && strcmp(s[i].cache, name) == 0)
			return true;
	return false;
}

static size_t pick_slabs(const struct ll_run *run, struct series *out, size_t max)
{
	const struct slab_snapshot *base = &run->snaps[0];
	size_t n = 0;

	/* First the caches the analysis found growing (run->slab). */
	for (size_t i = 0; i < run->nslab && n < max; i++) {
		const struct ll_slab_result *r = &run->slab[i];
		const struct slab_cache *bc = slab_snapshot_find(base, r->name);

		if (!bc)
			continue;
		snprintf(out[n].label, sizeof(out[n].label), "slab %.63s (%.60s)", r->name,
			 r->verdict ? r->verdict : "?");
		slab_series(run, bc, &out[n]);
		out[n].cache = bc->name;
		out[n].leak = r->verdict && strcmp(r->verdict, "leaking") == 0;
		n++;
	}
	/* Then the busiest of the rest, by their largest excursion: the panel
	 * shows what "flat" looked like, not an empty frame. */
	while (n < max) {
		const struct slab_cache *best = NULL;
		double best_v = 0;

		for (size_t c = 0; c < base->n; c++) {
			struct series tmp;
			double v = 0;

			if (picked(out, n, base->caches[c].name))
				continue;
			memset(&tmp, 0, sizeof(tmp));
			slab_series(run, &base->caches[c], &tmp);
			for (size_t j = 0; j < tmp.n; j++)
				v = dmax(v, fabs(tmp.y[j]));
			if (v > best_v) {
				best_v = v;
				best = &base->caches[c];
			}
		}
		if (!best)
			break;
		snprintf(out[n].label, sizeof(out[n].label), "slab %.63s (not found growing)",
			 best->name);
		slab_series(run, best, &out[n]);
		out[n].cache = best->name;
		n++;
	}
	return n;
}

/* One panel: a plot rectangle and its data scale. */
struct panel {
	int top, bottom;
	double x0, x1, y0, y1;
	double xstep, ystep;
};

static double sx(const struct panel *p, double x)
{
	return PL + (x - p->x0) / (p->x1 - p->x0) * (PR - PL);
}

static double sy(const struct panel *p, double y)
{
	return p->bottom - (y - p->y0) / (p->y1 - p->y0) * (p->bottom - p->top);
}

static void scale_y(struct panel *p, const struct series *s, size_t n)
{
	double ymin = 0, ymax = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < s[i].n; j++) {
			ymin = dmin(ymin, s[i].y[j]);
			ymax = dmax(ymax, s[i].y[j]);
		}
		if (s[i].have_settled) {
			ymin = dmin(ymin, s[i].settled);
			ymax = dmax(ymax, s[i].settled);
		}
	}
	if (ymax - ymin < 10)
		ymax = ymin + 10;	/* a flat panel still gets a readable scale */
	p->ystep = nice_step(ymax - ymin, 5);
	p->y0 = floor(ymin / p->ystep) * p->ystep;
	p->y1 = ceil(ymax * 1.04 / p->ystep) * p->ystep;
	if (p->y1 <= ymax)
		p->y1 += p->ystep;
}

static void axes(FILE *f, const struct panel *p, const char *title, const char *ylabel)
{
	char buf[32];

	fputs("<g font-size=\"13\" fill=\"#333\">\n", f);
	for (double v = p->y0; v <= p->y1 + p->ystep * 1e-9; v += p->ystep) {
		double y = sy(p, v);

		tick_label(fabs(v) < p->ystep * 1e-9 ? 0 : v, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			PL, y, PR, y, PL - 6, y, PL, y, PL - 9, y + 4.5, buf);
	}
	for (double v = p->x0; v <= p->x1 + p->xstep * 1e-9; v += p->xstep) {
		double x = sx(p, v);

		tick_label(v, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			x, p->top, x, p->bottom, x, p->bottom, x, p->bottom + 6, x, p->bottom + 20,
			buf);
	}
	/* Zero line: growth is read against it. */
	if (p->y0 < 0)
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#888\"/>\n",
			PL, sy(p, 0), PR, sy(p, 0));
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#333\" stroke-width=\"1.2\"/>\n", PL, p->top, PR - PL,
		p->bottom - p->top);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
		PL, p->top - 8, title);
	fprintf(f, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\" "
		"font-size=\"13\">%s</text>\n", PL - 60, (p->top + p->bottom) / 2, ylabel);
	fputs("</g>\n", f);
}

static void line(FILE *f, const struct panel *p, const double *x, double x_final,
		 const struct series *s, const char *colour)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
		"stroke-linejoin=\"round\" points=\"", colour, s->leak ? "3.5" : "2.2");
	for (size_t j = 0; j < s->n; j++)
		fprintf(f, "%s%.1f,%.1f", j ? " " : "", sx(p, x[j]), sy(p, s->y[j]));
	fputs("\"/>\n", f);
	/* A lone checkpoint (interrupted at once) is no line: show the point. */
	if (s->n == 1)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
			sx(p, x[0]), sy(p, s->y[0]), colour);
	if (s->have_settled && s->n) {
		double xl = sx(p, x[s->n - 1]), yl = sy(p, s->y[s->n - 1]);
		double xs = sx(p, x_final), ys = sy(p, s->settled);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>"
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"white\" stroke=\"%s\" "
			"stroke-width=\"2.5\"/>\n", xl, yl, xs, ys, colour, xs, ys, colour);
	}
}

static void legend(FILE *f, const struct panel *p, const struct series *s, size_t n,
		   const char *const *colours, const char *empty)
{
	int x = PR + 18, y = p->top + 10;

	fputs("<g font-size=\"12.5\" fill=\"#222\">\n", f);
	for (size_t i = 0; i < n; i++, y += 24) {
		char label[46];

		/* Long kernel symbols would run off the image; the full
		 * label is the tooltip. */
		snprintf(label, sizeof(label), "%.45s", s[i].label);
		if (strlen(s[i].label) >= sizeof(label))
			memcpy(label + sizeof(label) - 4, "...", 4);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"%s\"/><text x=\"%d\" y=\"%d\"><title>", x, y - 4, x + 30,
			y - 4, colours[i], s[i].leak ? "3.5" : "2.5", x + 38, y);
		xml_text(f, s[i].label);
		fputs("</title>", f);
		xml_text(f, label);
		fputs("</text>\n", f);
	}
	if (!n)
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x, y, empty);
	fputs("</g>\n", f);
}

void ll_report_svg(FILE *f, const struct ll_run *run)
{
	static struct series s[MAX_LINES];	/* 10 KiB each: not on the stack */
	struct panel top = { .top = 90, .bottom = 330 }, bot = { .top = 395, .bottom = 625 };
	double x_final = run->x[run->settled ? run->ncp : run->ncp - 1], xstep, x1;
	size_t ng, ns;

	memset(s, 0, sizeof(s));
	ng = pick_groups(run, s, MAX_GROUP_LINES);
	ns = pick_slabs(run, s + MAX_GROUP_LINES, MAX_SLAB_LINES);
	x1 = run->done > 0 ? run->done : 1;
	xstep = nice_step(x1, 8);
	x1 = ceil(x1 / xstep) * xstep;
	top.x1 = bot.x1 = x1;
	top.xstep = bot.xstep = xstep;
	scale_y(&top, s, ng);
	scale_y(&bot, s + MAX_GROUP_LINES, ns);

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H, W, H, W, H);
	fputs("<text x=\"20\" y=\"28\" font-size=\"19\" font-weight=\"bold\">leakloop: ", f);
	xml_text(f, run->opt.argv[0]);
	if (run->opt.argv[1])
		fputs(" ...", f);
	fprintf(f, " \xe2\x80\x94 %s</text>\n", run->nleaks ? "LEAK" : "no leak");
	fprintf(f, "<text x=\"20\" y=\"50\" font-size=\"13\" fill=\"#444\">%u of %u iterations, "
		"%.0f runs/s, settle %.1f s%s%s. Hollow circle: count after the settle time."
		"</text>\n", run->done, run->opt.n, run->rate, run->opt.settle_s,
		run->interrupted ? ", INTERRUPTED" : "",
		run->uncertain ? ", uncertain (see the report's warnings)" : "");
	axes(f, &top, "Tracer: outstanding allocations by call site (traced tasks)",
	     "outstanding objects");
	axes(f, &bot, "/proc/slabinfo: active objects by cache (all tasks)",
	     "change in active objects");
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"15\" "
		"fill=\"#333\">iterations (runs of the command)</text>\n", (PL + PR) / 2,
		bot.bottom + 48);
	/* Drawn last-first so the most important line is on top. */
	for (size_t i = ng; i-- > 0;)
		line(f, &top, run->x, x_final, &s[i], palette[i]);
	for (size_t i = ns; i-- > 0;)
		line(f, &bot, run->x, x_final, &s[MAX_GROUP_LINES + i], palette[MAX_GROUP_LINES + i]);
	legend(f, &top, s, ng, palette, "no call site grew");
	legend(f, &bot, s + MAX_GROUP_LINES, ns, palette + MAX_GROUP_LINES, "no cache changed");
	fputs("</svg>\n", f);
}
