#!/usr/bin/env bash
# contrib/logpouch.service and logpouch.socket as `make install` lays them
# down: systemd-analyze verify finds nothing to say (offline: no systemd
# as PID 1 needed), the units name the binary installed beside them, a
# DESTDIR stage keeps the final paths, and the service's ExecStart serves
# the API on the socket unit's socket when handed over.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null ||
	lp_fail "systemd-analyze missing (scripts/deps.sh installs systemd)"
BUILD=$(dirname "$LOGPOUCHD")
SRC=${LP_SRCDIR:-$(dirname "$0")/..}
UNITS=$LP_DIR/usr/lib/systemd/system

lp_step "cmake --install (make install) under a prefix"
cmake --install "$BUILD" --prefix "$LP_DIR/usr" >"$LP_DIR/install.out" ||
	lp_fail "install: $(cat "$LP_DIR/install.out")"
[ -x "$LP_DIR/usr/bin/logpouchd" ] || lp_fail "no bin/logpouchd"
[ -s "$LP_DIR/usr/share/doc/logpouch/systemd.md" ] || lp_fail "no doc"
for u in logpouch.service logpouch.socket; do
	[ -s "$UNITS/$u" ] || lp_fail "no $u in lib/systemd/system"
done
lp_eq "$(grep '^ExecStart=' "$UNITS/logpouch.service")" \
	"ExecStart=$LP_DIR/usr/bin/logpouchd -H fd://" "installed ExecStart"
! cat "$UNITS"/logpouch.* | grep -v '^#' | grep /usr/local ||
	lp_fail "a /usr/local path left in an installed unit"

lp_step "systemd-analyze verify: no complaint"
# verify runs man for each Documentation=man: page; the installed pages
# must be found (integration/88-man.sh checks what they say).
verify() { (cd "$1" && MANPATH=$LP_DIR/usr/share/man systemd-analyze \
	verify ./logpouch.socket ./logpouch.service 2>&1); }
out=$(verify "$UNITS") || lp_fail "verify failed: $out"
lp_eq "$out" "" "systemd-analyze verify output"
# The check can fail: a unit with mistakes is reported (verify exits 0 on
# ignored lines, so its output is what counts).
mkdir "$LP_DIR/bad"
cp "$UNITS/logpouch.socket" "$LP_DIR/bad/"
sed -e 's/^Type=notify/Type=notfy/' -e 's/^KillMode=mixed/KillMod=mixed/' \
	"$UNITS/logpouch.service" >"$LP_DIR/bad/logpouch.service"
out=$(verify "$LP_DIR/bad") || true
lp_contains "$out" "Failed to parse service type" "verify of a broken unit"
lp_contains "$out" "Unknown key" "verify of a broken unit"

lp_step "units and daemon agree"
lp_eq "$(grep '^ListenStream=' "$UNITS/logpouch.socket")" \
	"ListenStream=/run/logpouch.sock" "socket path (logpouchd's default as root)"
lp_eq "$(grep '^Type=' "$UNITS/logpouch.service")" "Type=notify" "Type"
lp_eq "$(grep '^Requires=' "$UNITS/logpouch.service")" \
	"Requires=logpouch.socket" "Requires"
for u in logpouch.service logpouch.socket; do
	cmp -s <(grep -v -e /usr/local -e "$LP_DIR" "$SRC/contrib/$u") \
		<(grep -v -e /usr/local -e "$LP_DIR" "$UNITS/$u") ||
		lp_fail "$u: install changed more than the paths"
done

lp_step "a DESTDIR stage keeps the final paths"
DESTDIR=$LP_DIR/stage cmake --install "$BUILD" >/dev/null ||
	lp_fail "staged install"
staged=$(find "$LP_DIR/stage" -name logpouch.service)
[ -n "$staged" ] || lp_fail "no staged unit"
lp_eq "$(grep '^ExecStart=' "$staged")" \
	"ExecStart=$(grep -o '/[^ ]*logpouchd' "$SRC/contrib/logpouch.service") -H fd://" \
	"staged ExecStart"

lp_step "the installed ExecStart, handed the socket unit's socket, serves"
command -v systemd-socket-activate >/dev/null || lp_fail "systemd-socket-activate missing"
read -r -a cmd <<<"$(sed -n 's/^ExecStart=//p' "$UNITS/logpouch.service")"
LP_SOCK=$LP_DIR/logpouch.sock
systemd-socket-activate -l "$LP_SOCK" "${cmd[@]}" --data-root "$LP_DATA" \
	>>"$LP_LOG" 2>&1 &
LP_PID=$!
lp_until 5000 test -S "$LP_SOCK" || lp_fail "no socket"
lp_eq "$(lp_api /_ping -m 30)" OK "ping through the unit's command line"
lp_stop
lp_log "ok"
