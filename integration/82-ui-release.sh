#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The log viewer's streams die with the page (docs/ui.md): in a real
# headless Chromium, closing the tab, navigating away, switching container
# 100 times, reloading and killing the browser each leave the daemon at its
# baseline, with no logs_container or events task left.
source "$(dirname "$0")/lib.sh"

lp_step "daemon with --ui"
lp_start --ui 127.0.0.1:0
url=$(lp_ui_url)
lp_ui_containers

lp_step "leaving the page, five ways"
LP_DIR=$LP_DIR timeout 60 python3 "$(dirname "$0")/uiclient.py" release \
	"$LP_SOCK" "$url" || lp_fail "uiclient.py release"

lp_step "stop"
lp_stop
