/* SPDX-License-Identifier: MIT */
/*
 * The log viewer's files as C arrays: ui_assets.c is generated at build
 * time from ui/ by cmake/embed.cmake, so the daemon needs no files beside
 * it and the build needs nothing beyond cmake and the compiler.
 */
#ifndef LP_API_UI_ASSETS_H
#define LP_API_UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
	const char		*name;	/* "app.js" */
	const unsigned char	*data;
	size_t			 size;
};

extern const struct ui_asset	ui_assets[];
extern const size_t		ui_nassets;

#endif
