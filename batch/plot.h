/*
 * plot.h - the graph of `thumper bench --plot`: elapsed time against the
 * number of worker processes, drawn with cairo.
 */
#ifndef THUMPER_PLOT_H
#define THUMPER_PLOT_H

#include <stddef.h>

struct plot_point {
	unsigned workers;
	double elapsed_s;	/* > 0 */
};

struct plot {
	const char *title;		/* first line, e.g. the images measured */
	const char *subtitle;		/* second line, or NULL */
	const struct plot_point *points;	/* by increasing workers */
	size_t npoints;			/* >= 1 */
	unsigned recommended;		/* a count to mark, or 0 */
};

/*
 * Draws P into PATH: a PNG when PATH ends in ".png" (any case), else an
 * SVG.  The elapsed time is on the left axis, from 0; the speed-up over
 * the first point and the ideal (linear) speed-up are on the right axis.
 * The SVG carries the title, the axis labels and the data as text in its
 * <title> and <desc> (cairo draws the visible text as outlines).  Returns
 * 0, or -1 with ERR saying why (PATH may then be left half written).
 */
int plot_write(const char *path, const struct plot *p, char *err,
	       size_t errsz);

#endif
