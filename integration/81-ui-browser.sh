#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The log viewer in a real headless Chromium (docs/ui.md): the page lists
# the containers and keeps the list live, shows lines as they are written
# (stdout and stderr apart, ANSI colours), and its filter (text, regex,
# count), timestamps, wrap, pause, tail, download and keys work; it fits a
# phone and loads nothing from any other host. UI_SCREENSHOT=PATH saves
# the screenshot docs/ui.png is made from.
source "$(dirname "$0")/lib.sh"

lp_step "daemon with --ui"
lp_start --ui 127.0.0.1:0
url=$(lp_ui_url)
lp_ui_containers

lp_step "the page in chromium"
args=(page "$LP_SOCK" "$url" "lpit-marker-$$")
[ -n "${UI_SCREENSHOT:-}" ] && args+=(--screenshot "$UI_SCREENSHOT")
LP_DIR=$LP_DIR timeout 60 python3 "$(dirname "$0")/uiclient.py" "${args[@]}" ||
	lp_fail "uiclient.py page"

lp_step "stop"
lp_stop
