/*
 * plot.c - draws the bench's graph with cairo (plot.h).
 *
 * The picture is drawn once, in user units of a fixed 800 x 520 page, on
 * either an image surface (PNG) or an SVG surface; both write into a
 * memory buffer that is then written to the file, so a write error has
 * its errno.  Scales come from "nice" steps (1, 2 or 5 times a power of
 * ten) and every value axis starts at 0, so heights compare honestly.
 * cairo turns text into outlines in SVG, so the SVG also gets a <title>
 * and a <desc> holding the words and the numbers, for screen readers,
 * search and scripts.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <cairo-svg.h>

#include "batch/plot.h"

#define PAGE_W 800.0
#define PAGE_H 520.0
#define AREA_L 80.0		/* the plotting area inside the page */
#define AREA_R (PAGE_W - 80.0)
#define AREA_T 100.0
#define AREA_B (PAGE_H - 70.0)
#define LABEL_POINTS_MAX 12	/* more points than this: no value labels */

#define X_LABEL "worker processes"
#define Y_LABEL "elapsed time (s)"
#define S_LABEL "speed-up (\u00d7)"

struct rgb {
	double r, g, b;
};

static const struct rgb C_ELAPSED = { 0.12, 0.47, 0.71 };
static const struct rgb C_SPEEDUP = { 0.93, 0.45, 0.05 };
static const struct rgb C_RECOMMENDED = { 0.17, 0.63, 0.17 };
static const struct rgb C_TEXT = { 0.13, 0.13, 0.13 };
static const struct rgb C_MUTED = { 0.40, 0.40, 0.40 };
static const struct rgb C_GRID = { 0.88, 0.88, 0.88 };

struct buf {
	unsigned char *data;
	size_t len, cap;
	bool oom;
};

/* The scale of one axis: 0 to max, a tick every step. */
struct axis {
	double max, step;
	int decimals;
};

struct scene {
	const struct plot *p;
	struct axis x, y, s;	/* workers, elapsed, speed-up */
	double x_hi;		/* last tick on the workers axis */
};

static cairo_status_t
buf_write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	struct buf *b = closure;

	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		unsigned char *n;

		while (cap < b->len + len)
			cap *= 2;
		if ((n = realloc(b->data, cap)) == NULL) {
			b->oom = true;
			return CAIRO_STATUS_NO_MEMORY;
		}
		b->data = n;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* 1, 2 or 5 times a power of ten, the nearest to RAW (> 0). */
static double
nice_step(double raw)
{
	double mag = 1.0, f;

	while (mag * 10.0 <= raw)
		mag *= 10.0;
	while (mag > raw)
		mag /= 10.0;
	f = raw / mag;
	return mag * (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0);
}

/* A 0-based axis reaching at least TOP with about TICKS ticks. */
static struct axis
axis_for(double top, int ticks)
{
	struct axis a;
	double n;

	if (!(top > 0))
		top = 1.0;
	a.step = nice_step(top / ticks);
	n = (double)(long long)(top / a.step);
	if (n * a.step < top * 0.9999999)
		n += 1.0;
	a.max = n * a.step;
	a.decimals = a.step >= 1.0 ? 0 : a.step >= 0.1 ? 1 : a.step >= 0.01 ? 2 : 3;
	return a;
}

static double
px(const struct scene *sc, double workers)
{
	return AREA_L + (AREA_R - AREA_L) * workers / sc->x.max;
}

static double
py(const struct axis *a, double v)
{
	return AREA_B - (AREA_B - AREA_T) * v / a->max;
}

static void
colour(cairo_t *cr, struct rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void
font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD
				    : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/*
 * Text at (X, Y) anchored by HALIGN (0 left, 0.5 centre, 1 right) and
 * VALIGN (0 top, 0.5 middle, 1 baseline-ish bottom).  Returns its width.
 */
static double
text(cairo_t *cr, double x, double y, double halign, double valign,
     const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.x_advance * halign,
		      y - e.y_bearing - e.height * valign);
	cairo_show_text(cr, s);
	return e.x_advance;
}

/* Text whose bottom left is at (X, Y), on a white outline over lines. */
static void
text_halo(cairo_t *cr, double x, double y, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_save(cr);
	cairo_move_to(cr, x, y - e.y_bearing - e.height);
	cairo_text_path(cr, s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_set_line_width(cr, 3);
	cairo_stroke_preserve(cr);
	cairo_restore(cr);
	cairo_fill(cr);
}

static void
text_rotated(cairo_t *cr, double x, double y, const char *s)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, -1.5707963267948966);
	text(cr, 0, 0, 0.5, 0.5, s);
	cairo_restore(cr);
}

static double
speedup(const struct plot *p, size_t i)
{
	return p->points[0].elapsed_s / p->points[i].elapsed_s;
}

static void
layout(struct scene *sc, const struct plot *p)
{
	double hi = p->points[p->npoints - 1].workers, ymax = 0, smax = 0;
	double ideal = hi / p->points[0].workers;

	sc->p = p;
	for (size_t i = 0; i < p->npoints; i++) {
		if (p->points[i].elapsed_s > ymax)
			ymax = p->points[i].elapsed_s;
		if (speedup(p, i) > smax)
			smax = speedup(p, i);
	}
	/* Integer worker ticks; room for half a step after the last count. */
	sc->x = axis_for(hi, 10);
	if (sc->x.step < 1.0)
		sc->x.step = 1.0;
	sc->x.decimals = 0;
	sc->x_hi = sc->x.step * (double)(long long)(hi / sc->x.step);
	sc->x.max = hi + sc->x.step / 2.0;
	sc->y = axis_for(ymax * 1.08, 6);
	/* The ideal line may run off the top when it dwarfs the measured one. */
	sc->s = axis_for((smax * 1.5 < ideal ? smax * 1.5 : ideal > smax ? ideal
			  : smax) * 1.04, 6);
}

static void
draw_legend(cairo_t *cr)
{
	static const char *names[] = { "elapsed time", "speed-up",
				       "ideal speed-up", "recommended" };
	const double sw = 26, gap = 8, sep = 28, y = 78;
	double widths[4], total = 0, x;

	font(cr, 12, false);
	for (int i = 0; i < 4; i++) {
		cairo_text_extents_t e;

		cairo_text_extents(cr, names[i], &e);
		widths[i] = e.x_advance;
		total += sw + gap + widths[i] + (i < 3 ? sep : 0);
	}
	x = (PAGE_W - total) / 2;
	for (int i = 0; i < 4; i++) {
		static const struct rgb *cols[] = { &C_ELAPSED, &C_SPEEDUP,
						    &C_SPEEDUP, &C_RECOMMENDED };
		const double dash[] = { 5, 4 };

		colour(cr, *cols[i]);
		cairo_set_line_width(cr, i == 0 ? 2.5 : 2);
		cairo_set_dash(cr, dash, i >= 2 ? 2 : 0, 0);
		cairo_move_to(cr, x, y);
		cairo_line_to(cr, x + sw, y);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		if (i < 2) {
			cairo_arc(cr, x + sw / 2, y, i == 0 ? 4 : 3, 0,
				  2 * 3.141592653589793);
			cairo_fill(cr);
		}
		colour(cr, C_TEXT);
		text(cr, x + sw + gap, y, 0, 0.5, names[i]);
		x += sw + gap + widths[i] + sep;
	}
}

static void
draw_axes(cairo_t *cr, const struct scene *sc)
{
	char label[32];
	int n;

	/* Grid and ticks of the elapsed-time axis (left). */
	font(cr, 12, false);
	n = (int)(sc->y.max / sc->y.step + 0.5);
	for (int i = 0; i <= n; i++) {
		double v = i * sc->y.step, y = py(&sc->y, v);

		colour(cr, C_GRID);
		cairo_set_line_width(cr, 1);
		cairo_move_to(cr, AREA_L, y);
		cairo_line_to(cr, AREA_R, y);
		cairo_stroke(cr);
		colour(cr, C_TEXT);
		snprintf(label, sizeof(label), "%.*f", sc->y.decimals, v);
		text(cr, AREA_L - 8, y, 1, 0.5, label);
	}
	/* Ticks of the speed-up axis (right). */
	n = (int)(sc->s.max / sc->s.step + 0.5);
	for (int i = 0; i <= n; i++) {
		double v = i * sc->s.step, y = py(&sc->s, v);

		colour(cr, C_SPEEDUP);
		cairo_move_to(cr, AREA_R, y);
		cairo_line_to(cr, AREA_R + 5, y);
		cairo_stroke(cr);
		snprintf(label, sizeof(label), "%.*f", sc->s.decimals, v);
		text(cr, AREA_R + 8, y, 0, 0.5, label);
	}
	/* Worker counts (bottom). */
	n = (int)(sc->x_hi / sc->x.step + 0.5);
	for (int i = 0; i <= n; i++) {
		double x = px(sc, i * sc->x.step);

		colour(cr, C_GRID);
		cairo_move_to(cr, x, AREA_T);
		cairo_line_to(cr, x, AREA_B);
		cairo_stroke(cr);
		colour(cr, C_TEXT);
		cairo_move_to(cr, x, AREA_B);
		cairo_line_to(cr, x, AREA_B + 5);
		cairo_stroke(cr);
		snprintf(label, sizeof(label), "%.0f", i * sc->x.step);
		text(cr, x, AREA_B + 9, 0.5, 0, label);
	}
	colour(cr, C_TEXT);
	cairo_set_line_width(cr, 1.2);
	cairo_move_to(cr, AREA_L, AREA_T);
	cairo_line_to(cr, AREA_L, AREA_B);
	cairo_line_to(cr, AREA_R, AREA_B);
	cairo_line_to(cr, AREA_R, AREA_T);
	cairo_stroke(cr);

	font(cr, 13, true);
	text(cr, (AREA_L + AREA_R) / 2, AREA_B + 40, 0.5, 0, X_LABEL);
	text_rotated(cr, 24, (AREA_T + AREA_B) / 2, Y_LABEL);
	colour(cr, C_SPEEDUP);
	text_rotated(cr, PAGE_W - 22, (AREA_T + AREA_B) / 2, S_LABEL);
}

static void
draw_series(cairo_t *cr, const struct scene *sc)
{
	const struct plot *p = sc->p;
	const double dash[] = { 5, 4 };
	const double tau = 2 * 3.141592653589793;
	double x0 = p->points[0].workers;
	char label[32];

	cairo_save(cr);
	cairo_rectangle(cr, AREA_L, AREA_T - 6, AREA_R - AREA_L,
			AREA_B - AREA_T + 6);
	cairo_clip(cr);

	/* Ideal speed-up: linear in the workers from the first point. */
	colour(cr, C_SPEEDUP);
	cairo_set_line_width(cr, 1.5);
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, px(sc, x0), py(&sc->s, 1.0));
	cairo_line_to(cr, px(sc, sc->x.max),
		      py(&sc->s, sc->x.max / x0));
	cairo_stroke(cr);

	if (p->recommended > 0) {
		double x = px(sc, p->recommended);

		colour(cr, C_RECOMMENDED);
		cairo_move_to(cr, x, AREA_T);
		cairo_line_to(cr, x, AREA_B);
		cairo_stroke(cr);
	}
	cairo_set_dash(cr, NULL, 0, 0);

	/* Measured speed-up. */
	colour(cr, C_SPEEDUP);
	cairo_set_line_width(cr, 2);
	for (size_t i = 0; i < p->npoints; i++)
		cairo_line_to(cr, px(sc, p->points[i].workers),
			      py(&sc->s, speedup(p, i)));
	cairo_stroke(cr);
	for (size_t i = 0; i < p->npoints; i++) {
		cairo_arc(cr, px(sc, p->points[i].workers),
			  py(&sc->s, speedup(p, i)), 3, 0, tau);
		cairo_fill(cr);
	}

	/* Elapsed time, on top. */
	colour(cr, C_ELAPSED);
	cairo_set_line_width(cr, 2.5);
	for (size_t i = 0; i < p->npoints; i++)
		cairo_line_to(cr, px(sc, p->points[i].workers),
			      py(&sc->y, p->points[i].elapsed_s));
	cairo_stroke(cr);
	for (size_t i = 0; i < p->npoints; i++) {
		double x = px(sc, p->points[i].workers);
		double y = py(&sc->y, p->points[i].elapsed_s);

		colour(cr, C_ELAPSED);
		cairo_arc(cr, x, y, 4.5, 0, tau);
		cairo_fill(cr);
		if (p->points[i].workers == p->recommended) {
			colour(cr, C_RECOMMENDED);
			cairo_set_line_width(cr, 2.5);
			cairo_new_sub_path(cr);
			cairo_arc(cr, x, y, 8.5, 0, tau);
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);

	if (p->npoints <= LABEL_POINTS_MAX) {
		font(cr, 11, false);
		colour(cr, C_ELAPSED);
		for (size_t i = 0; i < p->npoints; i++) {
			double el = p->points[i].elapsed_s;

			snprintf(label, sizeof(label), "%.*f s",
				 el < 10 ? 2 : el < 100 ? 1 : 0, el);
			text_halo(cr, px(sc, p->points[i].workers) + 7,
				  py(&sc->y, el) - 7, label);
		}
	}
	if (p->recommended > 0) {
		double x = px(sc, p->recommended);
		bool left = x > AREA_R - 150;

		snprintf(label, sizeof(label), "recommended: %u", p->recommended);
		font(cr, 12, true);
		colour(cr, C_RECOMMENDED);
		text(cr, left ? x - 6 : x + 6, AREA_T + 6, left ? 1 : 0, 0, label);
	}
}

static void
draw(cairo_t *cr, const struct plot *p)
{
	struct scene sc;

	layout(&sc, p);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);

	colour(cr, C_TEXT);
	font(cr, 18, true);
	text(cr, PAGE_W / 2, 18, 0.5, 0, p->title);
	if (p->subtitle) {
		colour(cr, C_MUTED);
		font(cr, 12, false);
		text(cr, PAGE_W / 2, 46, 0.5, 0, p->subtitle);
	}
	draw_legend(cr);
	draw_axes(cr, &sc);
	draw_series(cr, &sc);
}

static void
xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
			break;
		}
	}
}

static void
svg_meta(FILE *f, const struct plot *p)
{
	fputs("\n<title>", f);
	xml_text(f, p->title);
	fputs(": elapsed time vs worker processes</title>\n<desc>", f);
	if (p->subtitle) {
		xml_text(f, p->subtitle);
		fputs(".\n", f);
	}
	fputs("x axis: " X_LABEL "; left axis: " Y_LABEL "; right axis: "
	      S_LABEL " over the first count, and the ideal speed-up.\n", f);
	for (size_t i = 0; i < p->npoints; i++)
		fprintf(f, "%u worker%s: %.3f s, speed-up %.2f\n",
			p->points[i].workers, p->points[i].workers == 1 ? "" : "s",
			p->points[i].elapsed_s, speedup(p, i));
	if (p->recommended > 0)
		fprintf(f, "recommended: %u worker%s\n", p->recommended,
			p->recommended == 1 ? "" : "s");
	fputs("</desc>", f);
}

/* Writes B to PATH, the SVG metadata after the <svg> tag when SVG. */
static int
save(const char *path, const struct buf *b, const struct plot *svg,
     char *err, size_t errsz)
{
	size_t head = 0;
	FILE *f;

	if (svg) {
		const unsigned char *tag = memmem(b->data, b->len, "<svg", 4);
		const unsigned char *end = tag ? memchr(tag, '>', b->len -
							(size_t)(tag - b->data)) : NULL;

		if (end == NULL) {
			snprintf(err, errsz, "cairo wrote no <svg> element");
			return -1;
		}
		head = (size_t)(end + 1 - b->data);
	}
	if ((f = fopen(path, "wb")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	fwrite(b->data, 1, head, f);
	if (svg)
		svg_meta(f, svg);
	fwrite(b->data + head, 1, b->len - head, f);
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static bool
is_png(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcasecmp(path + n - 4, ".png") == 0;
}

int
plot_write(const char *path, const struct plot *p, char *err, size_t errsz)
{
	struct buf b = { 0 };
	bool png = is_png(path);
	cairo_surface_t *surface;
	cairo_status_t st;
	cairo_t *cr;
	int rc = -1;

	if (p->npoints == 0) {
		snprintf(err, errsz, "nothing to plot");
		return -1;
	}
	if (png) {
		surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
						     (int)PAGE_W, (int)PAGE_H);
	} else {
		surface = cairo_svg_surface_create_for_stream(buf_write_cb, &b,
							      PAGE_W, PAGE_H);
		cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
	}
	cr = cairo_create(surface);
	draw(cr, p);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && png)
		st = cairo_surface_write_to_png_stream(surface, buf_write_cb, &b);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (b.oom || st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errsz, "cannot draw the plot: %s",
			 b.oom ? strerror(ENOMEM) : cairo_status_to_string(st));
		goto out;
	}
	rc = save(path, &b, png ? NULL : p, err, errsz);
out:
	free(b.data);
	return rc;
}
