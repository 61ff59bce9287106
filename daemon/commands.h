/*
 * commands.h - what each control command does and answers (design.md §2, §7).
 */
#ifndef THUMPER_COMMANDS_H
#define THUMPER_COMMANDS_H

#include <stdio.h>

#include "daemon/ctlreq.h"

struct daemon;

/*
 * Runs REQ against D and writes the whole reply to F: a JSON document and
 * a newline ({"error": ...} when refused), or Prometheus text (metrics).
 */
void commands_run(struct daemon *d, const struct ctl_request *req, FILE *f);

#endif
