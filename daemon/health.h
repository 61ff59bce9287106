/*
 * health.h - the daemon's state (running, degraded, paused) and the
 * reasons for it, as `status` shows them and the event feed announces
 * them (design.md §7).
 */
#ifndef THUMPER_HEALTH_H
#define THUMPER_HEALTH_H

#include <stddef.h>
#include <stdio.h>

struct daemon;

/* Writes why the state is degraded to F as a JSON array of strings
 * (F NULL: writes nothing); returns how many reasons there are. */
size_t health_reasons(const struct daemon *d, FILE *f);

/* "paused", "degraded" (some reason) or "running". */
const char *health_state(const struct daemon *d);

/*
 * Publishes a state record to the feed when the state or its reasons
 * differ from the last one published (or, at first, from "running").
 */
void health_check(struct daemon *d);

/* Frees what health_check() keeps. */
void health_free(struct daemon *d);

#endif
