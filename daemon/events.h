/*
 * events.h - what thumperd does about each watch event (design.md §5).
 */
#ifndef THUMPER_EVENTS_H
#define THUMPER_EVENTS_H

#include "watch/watch.h"

struct daemon;

/*
 * Turns EV into queue entries, thumbnail renames and removals, walks and
 * root state.  Sends nothing to the pool: the caller dispatches after.
 */
void events_handle(struct daemon *d, const struct watch_event *ev);

#endif
