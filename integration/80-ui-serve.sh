#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The log viewer's listener (--ui, docs/ui.md): the built-in files byte for
# byte with their types and headers, the same API as the unix socket, the
# page's paths on that listener only, and the browser checks: another
# site's page (DNS rebinding, a cross-origin fetch or POST) gets a 403.
source "$(dirname "$0")/lib.sh"
src=${LP_SRCDIR:-$(dirname "$0")/..}

lp_step "--ui on a non-loopback address is refused"
out=$("$LOGPOUCHD" -H "unix://$LP_DIR/other.sock" --data-root "$LP_DIR/other" \
	--ui 0.0.0.0:0 2>&1) && lp_fail "--ui 0.0.0.0 started"
lp_contains "$out" "--ui: refusing to listen on tcp://0.0.0.0:0"
lp_contains "$out" "--allow-remote-tcp"

lp_start --ui 127.0.0.1:0
url=$(lp_ui_url)
base=${url%/ui/}
lp_baseline
# ui GET PATH [curl args]: status, then the body in $LP_DIR/body.
ui() {
	local path=$1
	shift
	curl -sS -m 10 -o "$LP_DIR/body" -D "$LP_DIR/head" -w '%{http_code}' \
		"$@" "$base$path"
}
header() { grep -i "^$1:" "$LP_DIR/head" | cut -d' ' -f2- | tr -d '\r'; }

lp_step "the page's files, byte for byte"
for f in index.html app.js decode.js app.css icon.svg; do
	lp_eq "$(ui "/ui/$f")" 200 "GET /ui/$f"
	cmp "$LP_DIR/body" "$src/ui/$f" || lp_fail "/ui/$f differs from ui/$f"
	lp_contains "$(header Content-Security-Policy)" "default-src 'self'"
	lp_eq "$(header X-Content-Type-Options)" nosniff "$f nosniff"
done
lp_eq "$(ui /ui/)" 200 "GET /ui/"
cmp "$LP_DIR/body" "$src/ui/index.html" || lp_fail "/ui/ is not index.html"
lp_eq "$(header Content-Type)" "text/html; charset=utf-8" "index type"
ui /ui/app.js >/dev/null
lp_eq "$(header Content-Type)" "text/javascript; charset=utf-8" "js type"
lp_eq "$(header Cache-Control)" no-cache "Cache-Control"
lp_eq "$(ui /ui/app.js -I)" 200 "HEAD /ui/app.js"
lp_eq "$(header Content-Length)" "$(stat -c %s "$src/ui/app.js")" "HEAD length"
# -I writes the head where the body would go: nothing of app.js follows.
! grep -q 'use strict' "$LP_DIR/body" || lp_fail "HEAD sent a body"
lp_eq "$(ui /ui/nope.js)" 404 "GET /ui/nope.js"
lp_eq "$(cat "$LP_DIR/body")" '{"message":"page not found"}' "404 body"
lp_eq "$(ui /)" 301 "GET /"
lp_eq "$(header Location)" /ui/ "/ redirects"
lp_eq "$(ui /ui)" 301 "GET /ui"

lp_step "the same API as the unix socket"
lp_eq "$(ui /_ping)" 200 "/_ping on the UI listener"
lp_eq "$(cat "$LP_DIR/body")" OK "/_ping body"
ui /version >/dev/null
lp_api /version >"$LP_DIR/version.unix"
cmp "$LP_DIR/body" "$LP_DIR/version.unix" || lp_fail "/version differs"

lp_step "the page exists on its listener only"
lp_eq "$(lp_status GET /ui/)" 404 "/ui/ on the unix socket"
lp_eq "$(lp_status GET /)" 404 "/ on the unix socket"
lp_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LP_PORT/ui/")" \
	404 "/ui/ on the -H tcp:// listener"

lp_step "Host: loopback names and IP literals only (DNS rebinding)"
lp_eq "$(ui /containers/json -H 'Host: rebind.example:80')" 403 "foreign Host"
lp_contains "$(cat "$LP_DIR/body")" "Host is not loopback or an IP address"
lp_eq "$(ui /ui/ -H 'Host: rebind.example')" 403 "foreign Host, the page"
lp_eq "$(ui /ui/ -H 'Host: 127.0.0.1.nip.io')" 403 "a name for 127.0.0.1"
for h in localhost:1 LOCALHOST app.localhost:9 '[::1]:8099' 10.1.2.3:80; do
	lp_eq "$(ui /_ping -H "Host: $h")" 200 "Host $h"
done
# The -H tcp:// listener is the Docker API's, which clients reach by name.
lp_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: docker.example' \
	"http://127.0.0.1:$LP_PORT/_ping")" 200 "-H tcp:// ignores Host"

lp_step "Origin: the page's own, or none"
n0=$(lp_api '/containers/json?all=1' | lp_json 'len(d)')
lp_eq "$(ui /containers/create?name=evil -X POST -H 'Origin: http://evil.example' \
	-H 'Content-Type: text/plain' -d '{"Image":"busybox"}')" 403 "cross-site POST"
lp_contains "$(cat "$LP_DIR/body")" "Origin is another site"
lp_eq "$(lp_status GET /containers/evil/json)" 404 "the refused create did nothing"
lp_eq "$(ui /containers/json -H 'Origin: null')" 403 "Origin null"
lp_eq "$(ui /containers/json -H "Origin: http://127.0.0.1:1")" 403 "other port"
lp_eq "$(ui /containers/json -H "Origin: $base")" 200 "the page's Origin"
lp_eq "$(lp_api '/containers/json?all=1' | lp_json 'len(d)')" "$n0" "containers"

lp_step "Sec-Fetch-Site: the API for the page alone, the page for links"
lp_eq "$(ui /containers/json -H 'Sec-Fetch-Site: cross-site')" 403 "cross-site"
lp_contains "$(cat "$LP_DIR/body")" "Sec-Fetch-Site is not same-origin"
lp_eq "$(ui /events -H 'Sec-Fetch-Site: same-site')" 403 "same-site"
lp_eq "$(ui /_ping -H 'Sec-Fetch-Site: same-origin')" 200 "same-origin"
lp_eq "$(ui /_ping -H 'Sec-Fetch-Site: none')" 200 "typed URL"
lp_eq "$(ui /ui/ -H 'Sec-Fetch-Site: cross-site')" 200 "a link to the page"

lp_step "stop: the refused requests left nothing behind"
lp_released 500
lp_stop
