/* SPDX-License-Identifier: MIT */
/*
 * A container's events, as dockerd's LogContainerEventWithAttributes
 * makes them: the container turned into the attributes the bus publishes
 * (daemon/events.c), which knows nothing of containers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/base/xalloc.h"
#include "daemon/container.h"
#include "daemon/container_int.h"
#include "daemon/events.h"

#define CONTAINER_EVENT_MAX_EXTRA	8

static void
container_event_v(const struct container *c, const char *action,
    const char **ek, const char **ev_, size_t ne)
{
	struct events	*bus = container_events(c);
	json_t		*labels = container_labels(c), *v;
	const char	*key, *image = container_image(c);
	const char	**keys, **values;
	size_t		 n = 0, cap = ne + json_object_size(labels) + 2;

	if (bus == NULL)
		return;
	keys = xreallocarray(NULL, cap, sizeof *keys);
	values = xreallocarray(NULL, cap, sizeof *values);
	for (size_t i = 0; i < ne; i++, n++) {
		keys[n] = ek[i];
		values[n] = ev_[i];
	}
	json_object_foreach(labels, key, v) {
		if (json_string_value(v) == NULL)
			continue;
		keys[n] = key;
		values[n++] = json_string_value(v);
	}
	if (image != NULL && *image != '\0') {
		keys[n] = "image";
		values[n++] = image;
	}
	keys[n] = "name";
	values[n++] = c->name + (c->name[0] == '/');
	events_publish(bus, "container", action, c->id, keys, values, n);
	xfree(keys);
	xfree(values);
}

void
container_event(const struct container *c, const char *action, ...)
{
	const char	*ek[CONTAINER_EVENT_MAX_EXTRA];
	const char	*ev_[CONTAINER_EVENT_MAX_EXTRA], *k;
	size_t		 n = 0;
	va_list		 ap;

	va_start(ap, action);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		if (n < CONTAINER_EVENT_MAX_EXTRA) {
			ek[n] = k;
			ev_[n++] = v;
		}
	}
	va_end(ap);
	container_event_v(c, action, ek, ev_, n);
}

void
container_event_int(const struct container *c, const char *action,
    const char *key, long value)
{
	char		 num[32];
	const char	*v = num;

	snprintf(num, sizeof num, "%ld", value);
	container_event_v(c, action, &key, &v, 1);
}

void
container_event_exec(const struct container *c, const char *action,
    char *const *argv, const char *exec_id, int code)
{
	const char	*ek[2] = { "execID", "exitCode" }, *ev_[2];
	char		*name = xstrdup(action), *next;
	char		 num[32];

	/* "exec_start: " + Entrypoint + " " + strings.Join(Args, " "). */
	if (argv != NULL && argv[0] != NULL) {
		next = xasprintf("%s: %s ", name, argv[0]);
		xfree(name);
		name = next;
		for (size_t i = 1; argv[i] != NULL; i++) {
			next = xasprintf("%s%s%s", name, i > 1 ? " " : "",
			    argv[i]);
			xfree(name);
			name = next;
		}
	}
	ev_[0] = exec_id;
	snprintf(num, sizeof num, "%d", code);
	ev_[1] = num;
	container_event_v(c, name, ek, ev_, argv == NULL && code >= 0 ? 2 :
	    1);
	xfree(name);
}
