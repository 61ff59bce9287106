/*
 * tmpclean.h - removal of the temporary files dead workers left behind.
 */
#ifndef THUMPER_TMPCLEAN_H
#define THUMPER_TMPCLEAN_H

/*
 * Removes every worker temporary file (thumb_temp_name()) under ROOT whose
 * worker process no longer exists.  Returns how many were removed, or
 * -errno if ROOT cannot be read.
 */
long tmpclean_tree(const char *root);

#endif
