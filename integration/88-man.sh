#!/usr/bin/env bash
# logpouchd(8) and logpouch.json(5) as the build writes them from the
# options table: groff and man find nothing to warn about, logpouchd(8)
# lists exactly the flags --help lists, every key logpouch.json(5) lists is
# one the daemon's parser takes (and every key it takes is listed), and
# cmake --install puts them where man finds them.
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null && command -v groff >/dev/null ||
	lp_fail "man or groff missing (scripts/deps.sh installs man-db, groff-base)"
BUILD=$(dirname "$LOGPOUCHD")
SRC=${LP_SRCDIR:-$(dirname "$0")/..}
export LC_ALL=C MANWIDTH=200
M8=$BUILD/man/logpouchd.8
M5=$BUILD/man/logpouch.json.5

lp_step "the build wrote the pages the daemon writes"
"$LOGPOUCHD" --man=8 >"$LP_DIR/p.8" || lp_fail "--man=8 failed"
"$LOGPOUCHD" --man=5 >"$LP_DIR/p.5" || lp_fail "--man=5 failed"
cmp "$M8" "$LP_DIR/p.8" || lp_fail "$M8 is stale"
cmp "$M5" "$LP_DIR/p.5" || lp_fail "$M5 is stale"
rc=0
"$LOGPOUCHD" --man=3 >/dev/null 2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "--man=3 exit code"
lp_contains "$(cat "$LP_DIR/err")" 'want 8 or 5' "--man=3 error"

lp_step "groff -ww and man --warnings: no warning"
for p in "$M8" "$M5"; do
	out=$(groff -man -ww -z "$p" 2>&1)
	lp_eq "$out" "" "groff -ww on ${p##*/}"
	out=$(man --warnings -l "$p" 2>&1 >/dev/null)
	lp_eq "$out" "" "man --warnings on ${p##*/}"
done
# The check can fail: an undefined macro and an unclosed font are reported.
sed -e 's/^\.SH OPTIONS$/.SH OPTIONS\n.XX/' "$M8" >"$LP_DIR/bad.8"
lp_contains "$(groff -man -ww -z "$LP_DIR/bad.8" 2>&1)" "XX" "groff on a bad page"
lp_contains "$(man --warnings -l "$LP_DIR/bad.8" 2>&1 >/dev/null)" "XX" \
	"man on a bad page"

lp_step "--help and logpouchd(8) list the same flags"
# "-H, --host" or "--data-root", at the start of an option's line.
flags() { grep -oE '^ {2,7}(-[A-Za-z], )?--[a-z][a-z-]*' | sed 's/^ *//' | sort; }
"$LOGPOUCHD" --help | flags >"$LP_DIR/help.flags"
man -l "$M8" | col -bx | sed -n '/^OPTIONS/,/^SIGNALS/p' | flags \
	>"$LP_DIR/man.flags"
[ "$(wc -l <"$LP_DIR/help.flags")" -ge 15 ] || lp_fail "too few flags in --help"
diff "$LP_DIR/help.flags" "$LP_DIR/man.flags" >"$LP_DIR/diff" ||
	lp_fail "--help and logpouchd(8) differ: $(cat "$LP_DIR/diff")"
! grep -q -- '--man' "$LP_DIR/help.flags" || lp_fail "--man is not hidden"
for f in --log-driver --log-opt --config; do
	grep -qx -- "$f" "$LP_DIR/help.flags" || lp_fail "$f not listed"
done

lp_step "logpouch.json(5) lists the keys the daemon takes"
man -l "$M5" | col -bx | sed -n '/^KEYS/,/^EXAMPLE/p' |
	grep -oE '^ {7}[a-z][a-z-]* \(' | tr -d ' (' | sort >"$LP_DIR/man.keys"
[ "$(wc -l <"$LP_DIR/man.keys")" -ge 12 ] || lp_fail "too few keys in the page"
while read -r k; do
	printf '{"%s": null}\n' "$k" >"$LP_DIR/k.json"
	out=$("$LOGPOUCHD" --config "$LP_DIR/k.json" --version 2>&1) || true
	lp_contains "$out" "invalid value for \"$k\"" "the daemon on key $k"
done <"$LP_DIR/man.keys"
# The check can fail: a key the page does not list is refused as unknown.
printf '{"log-opt": null}\n' >"$LP_DIR/k.json"
lp_contains "$("$LOGPOUCHD" --config "$LP_DIR/k.json" 2>&1 || true)" \
	'unknown key "log-opt"' "a key not in the page"
# ... and each key the parser compares is in the page ("host" is the
# alias the hosts entry names).
grep -oE 'strcmp\(key, "[a-z-]+"\)' "$SRC/daemon/options.c" |
	grep -oE '"[a-z-]+"' | tr -d '"' | grep -vx host | sort -u \
	>"$LP_DIR/parser.keys"
diff "$LP_DIR/parser.keys" <(sort -u "$LP_DIR/man.keys") >"$LP_DIR/diff" ||
	lp_fail "parser and logpouch.json(5) differ: $(cat "$LP_DIR/diff")"
for k in debug log-level log-driver log-opts shutdown-timeout; do
	man -l "$M5" | col -bx | grep -A 4 -E "^ {7}$k \(" |
		grep -q 'Reloaded on SIGHUP' || lp_fail "$k not marked reloadable"
done

lp_step "cmake --install puts them where man finds them"
cmake --install "$BUILD" --prefix "$LP_DIR/usr" >/dev/null ||
	lp_fail "cmake --install"
lp_eq "$(man -M "$LP_DIR/usr/share/man" -w logpouchd)" \
	"$LP_DIR/usr/share/man/man8/logpouchd.8" "man -w logpouchd"
lp_eq "$(man -M "$LP_DIR/usr/share/man" -w 5 logpouch.json)" \
	"$LP_DIR/usr/share/man/man5/logpouch.json.5" "man -w 5 logpouch.json"
cmp "$M8" "$LP_DIR/usr/share/man/man8/logpouchd.8" || lp_fail "installed 8"
grep -q '^Documentation=man:logpouchd(8)' \
	"$LP_DIR/usr/lib/systemd/system/logpouch.service" ||
	lp_fail "logpouch.service names no man page"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' \
	"$LP_DIR/usr/lib/systemd/system/logpouch.service" ||
	lp_fail "logpouch.service has no ExecReload"
