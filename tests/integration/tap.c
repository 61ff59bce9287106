/*
 * tap.c - TAP output for the C integration tests (see tap.h).
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "tests/integration/tap.h"

static int tap_n;
static int tap_failed;

void
tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	tap_failed += !ok;
}

int
tap_all_ok(void)
{
	return tap_failed == 0;
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
