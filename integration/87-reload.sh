#!/usr/bin/env bash
# SIGHUP reloads the --config file as dockerd's does: debug, log-level,
# shutdown-timeout and the default log-driver/log-opts take effect (the log
# options for containers created after), other changed keys are logged and
# ignored, and a broken file or an invalid value keeps the running config
# while the daemon goes on serving.
. "$(dirname "$0")/lib.sh"
CONF=$LP_DIR/logpouch.json

# lp_start without its --debug flag: debug must come from the file, or a
# flag would win over it on every reload.
start_from_file() {
	LP_PORT=$(lp_free_port)
	"$LOGPOUCHD" -H "unix://$LP_SOCK" --data-root "$LP_DATA" \
		--config "$CONF" >>"$LP_LOG" 2>&1 &
	LP_PID=$!
	lp_until 10000 curl -sf -m 1 --unix-socket "$LP_SOCK" http://x/_ping \
		-o /dev/null || lp_fail "daemon did not answer /_ping"
	bash "$LP_SRCDIR/scripts/busybox-image.sh" import "$LP_SOCK" ||
		lp_fail "busybox image import"
}

# create NAME [LogConfig JSON]: a container (not started) and its id.
create() {
	local body
	body=$(python3 -c 'import json,sys
b = {"Image": "busybox", "Cmd": ["true"]}
if len(sys.argv) > 1:
    b["HostConfig"] = {"LogConfig": json.loads(sys.argv[1])}
print(json.dumps(b))' "${@:2}")
	lp_api "/containers/create?name=$1" -X POST \
		-H 'Content-Type: application/json' -d "$body" |
		lp_json 'd["Id"]' >/dev/null || lp_fail "create $1"
}

logconfig() {
	lp_api "/containers/$1/json" |
		lp_json '__import__("json").dumps(d["HostConfig"]["LogConfig"], sort_keys=True)'
}

log_count() { grep -c -- "$1" "$LP_LOG" || true; }
log_more() { [ "$(log_count "$1")" -gt "$2" ]; }

# hup PATTERN: SIGHUP, then wait for one more log line matching PATTERN.
hup() {
	local before
	before=$(log_count "$1")
	kill -HUP "$LP_PID"
	lp_until 5000 log_more "$1" "$before" ||
		lp_fail "no [$1] in the log after SIGHUP"
}

info() { lp_api /info | lp_json "$1"; }

lp_step "start from a file: its log-opts are the default"
printf '{"log-opts": {"max-size": "1m"}, "shutdown-timeout": 10}\n' >"$CONF"
start_from_file
create c1
lp_eq "$(logconfig c1)" '{"Config": {"max-size": "1m"}, "Type": "json-file"}' \
	"c1 LogConfig"
lp_eq "$(info 'd["Debug"]')" False "Debug before the reload"
lp_eq "$(lp_status GET /debug/vars)" 404 "/debug before the reload"

lp_step "SIGHUP with new log-opts, debug on and a key that needs a restart"
printf '{"log-opts": {"max-size": "2m", "max-file": "3"}, "debug": true, "shutdown-timeout": 10, "header-timeout": 7, "data-root": "%s"}\n' \
	"$LP_DIR/elsewhere" >"$CONF"
hup "Reloaded configuration"
lp_contains "$(grep 'Got signal to reload configuration' "$LP_LOG")" \
	"reloading from: $CONF" "reload start line"
lp_contains "$(grep 'Reloaded configuration' "$LP_LOG" | tail -n 1)" \
	'\"log-opts\":{\"max-file\":\"3\",\"max-size\":\"2m\"}' "reloaded line"
lp_contains "$(grep 'header-timeout' "$LP_LOG")" "not reloadable: ignored" \
	"header-timeout change logged"
# --data-root was given as a flag: flags win on a reload too.
! grep -q '"data-root"' "$LP_LOG" || lp_fail "data-root noted"
[ ! -e "$LP_DIR/elsewhere" ] || lp_fail "data-root was acted on"
lp_eq "$(info 'd["Debug"]')" True "Debug after the reload"
lp_eq "$(lp_status GET /debug/vars)" 200 "/debug after the reload"
grep -q 'level=debug' "$LP_LOG" || lp_fail "no debug log after the reload"

lp_step "containers created after the reload take the new defaults"
create c2
lp_eq "$(logconfig c2)" \
	'{"Config": {"max-file": "3", "max-size": "2m"}, "Type": "json-file"}' \
	"c2 LogConfig"
lp_eq "$(logconfig c1)" '{"Config": {"max-size": "1m"}, "Type": "json-file"}' \
	"c1 LogConfig is kept"
create c3 '{"Type": "", "Config": {"max-size": "5m"}}'
lp_eq "$(logconfig c3)" \
	'{"Config": {"max-file": "3", "max-size": "5m"}, "Type": "json-file"}' \
	"c3: its own max-size wins, the default max-file is added"
create c4 '{"Type": "none"}'
lp_eq "$(logconfig c4)" '{"Config": {}, "Type": "none"}' \
	"c4: another driver takes no default option"
lp_eq "$(lp_api "/events?since=0&until=$(date +%s)&filters=%7B%22type%22%3A%5B%22daemon%22%5D%7D" |
	lp_json 'd["Action"] + " " + d["Actor"]["Attributes"]["log-opts"]')" \
	'reload {"max-file":"3","max-size":"2m"}' "daemon reload event"

lp_step "a broken file keeps the running config, the daemon serves on"
printf '{"debug": false, "log-opts": {' >"$CONF"
hup "Error reconfiguring the daemon"
lp_contains "$(grep 'Error reconfiguring' "$LP_LOG" | tail -n 1)" "$CONF" \
	"the error names the file"
lp_contains "$(grep 'Error reconfiguring' "$LP_LOG" | tail -n 1)" \
	"level=error" "logged as an error"
lp_eq "$(lp_api /_ping)" OK "ping after a broken reload"
lp_eq "$(info 'd["Debug"]')" True "Debug kept"
create c5
lp_eq "$(logconfig c5)" \
	'{"Config": {"max-file": "3", "max-size": "2m"}, "Type": "json-file"}' \
	"c5 LogConfig kept"

lp_step "an invalid value keeps it too"
printf '{"debug": false, "log-opts": {"colour": "red"}}\n' >"$CONF"
hup "Error reconfiguring the daemon"
lp_contains "$(grep 'Error reconfiguring' "$LP_LOG" | tail -n 1)" \
	"failed to set log opts: unknown log opt 'colour' for json-file log driver" \
	"the bad option named"
printf '{"log-level": "loud"}\n' >"$CONF"
hup "Error reconfiguring the daemon"
lp_eq "$(info 'd["Debug"]')" True "Debug kept after invalid values"
create c6
lp_eq "$(logconfig c6)" \
	'{"Config": {"max-file": "3", "max-size": "2m"}, "Type": "json-file"}' \
	"c6 LogConfig kept"

lp_step "the default driver reloads as well"
printf '{"log-driver": "none", "debug": false}\n' >"$CONF"
hup "Reloaded configuration"
create c7
lp_eq "$(logconfig c7)" '{"Config": {}, "Type": "none"}' "c7 LogConfig"
lp_eq "$(info 'd["LoggingDriver"]')" none "/info LoggingDriver"
lp_eq "$(info 'd["Debug"]')" False "Debug off again"
lp_stop

lp_step "a bad default stops the start, as dockerd's"
printf '{"log-opts": {"colour": "red"}}\n' >"$CONF"
rc=0
"$LOGPOUCHD" -H "unix://$LP_DIR/s2" --data-root "$LP_DATA" --config "$CONF" \
	2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "exit code"
lp_contains "$(cat "$LP_DIR/err")" "failed to set log opts: unknown log opt 'colour'" \
	"start error"
rc=0
"$LOGPOUCHD" --log-opt bogus 2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "--log-opt without =: exit code"
lp_contains "$(cat "$LP_DIR/err")" 'invalid --log-opt "bogus"' "flag error"
