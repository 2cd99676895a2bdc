/*
 * control_int.h: shared between the files of feature/control only.
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_INT_H
#define TORD_FEATURE_CONTROL_CONTROL_INT_H

#include "feature/control/control.h"

/* The options given to control_start (copied), or NULL before. */
const struct control_options *control_options_(void);

/*
 * Answer one GETINFO key: 0 with the value appended to out, 1 if
 * unknown, -1 with *err set if it cannot be produced now.
 */
int	control_getinfo_lookup(const char *key, struct buf *out, const char **err);
/* Register the generic providers (version, traffic/..., uptime ...). */
void	control_getinfo_register_defaults(void);
/* Drop every registration (control_stop). */
void	control_getinfo_clear(void);
/* Current bootstrap line ("NOTICE BOOTSTRAP PROGRESS=..."), into out. */
void	control_bootstrap_fmt(struct buf *out);

#endif
