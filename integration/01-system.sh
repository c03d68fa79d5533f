#!/usr/bin/env bash
# System endpoints, version negotiation, errors, debug dumps, signals and
# the daemon's flags.
. "$(dirname "$0")/lib.sh"

lp_step "flags"
rc=0; "$LOGPOUCHD" --bogus 2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "exit status for a bad flag"
lp_contains "$(cat "$LP_DIR/err")" "unknown flag: --bogus"
rc=0; "$LOGPOUCHD" -H "unix:///nonexistent/dir/sock" --data-root "$LP_DIR/x" \
	2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "exit status for an unusable socket"
rc=0; "$LOGPOUCHD" -H "tcp://0.0.0.0:1" --data-root "$LP_DIR/x" \
	2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "exit status for a non-loopback TCP address"
lp_contains "$(cat "$LP_DIR/err")" "not a loopback address"
echo '{"debug": ' >"$LP_DIR/bad.json"
rc=0; "$LOGPOUCHD" --config "$LP_DIR/bad.json" 2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "exit status for a broken config file"
"$LOGPOUCHD" --version | grep -q "logpouchd version" ||
	lp_fail "--version"

lp_step "a stale socket file is replaced"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$LP_SOCK"
lp_start
lp_baseline

lp_step "a live socket is refused"
rc=0; "$LOGPOUCHD" -H "unix://$LP_SOCK" --data-root "$LP_DIR/y" \
	2>"$LP_DIR/err" || rc=$?
lp_eq "$rc" 2 "second daemon on a live socket"
lp_contains "$(cat "$LP_DIR/err")" "another daemon"
lp_eq "$(stat -c %a "$LP_SOCK")" 660 "socket mode"

lp_step "ping"
lp_eq "$(lp_api /_ping)" OK "GET /_ping"
lp_eq "$(lp_tcp /_ping)" OK "GET /_ping over TCP"
lp_eq "$(lp_api /v1.24/_ping)" OK "GET /v1.24/_ping"
hdrs=$(curl -sS -I --unix-socket "$LP_SOCK" http://x/_ping)
lp_contains "$hdrs" "Api-Version: 1.51"
lp_contains "$hdrs" "Ostype: linux"
lp_contains "$(curl -sS -I --unix-socket "$LP_SOCK" http://x/v1.41/_ping)" \
	"Api-Version: 1.41" "dockerd 20.10's header under /v1.41"
lp_contains "$hdrs" "Content-Length: 0"

lp_step "version and info"
v=$(lp_api /version)
lp_eq "$(echo "$v" | lp_json 'd["ApiVersion"]')" 1.51 ApiVersion
lp_eq "$(lp_api /v1.41/version | lp_json 'd["ApiVersion"]')" 1.41 "ApiVersion under /v1.41"
lp_eq "$(echo "$v" | lp_json 'd["MinAPIVersion"]')" 1.12 MinAPIVersion
# dockerd's BuildTime shape (the commit's time here), which the CLI turns
# into its Built line; Experimental as the engine's Details carry it.
bt=$(echo "$v" | lp_json 'd["BuildTime"]')
[[ $bt =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.0{9}\+00:00$ ]] ||
	lp_fail "BuildTime not in dockerd's format: $bt"
lp_eq "$(echo "$v" | lp_json 'd["Components"][0]["Details"]["BuildTime"]')" \
	"$bt" "the engine's BuildTime"
lp_eq "$(echo "$v" | lp_json 'd["Components"][0]["Details"]["Experimental"]')" \
	false "Experimental"
if command -v docker >/dev/null; then
	dv=$(DOCKER_CONFIG=$LP_DIR/docker-config docker -H "unix://$LP_SOCK" \
		version 2>&1) || lp_fail "docker version: $dv"
	echo "$dv" | grep -Eq '^  Built: +[A-Z][a-z]{2} [A-Z][a-z]{2} ' ||
		lp_fail "docker version shows no Built: $dv"
	echo "$dv" | grep -Eq '^  Experimental: +false$' ||
		lp_fail "docker version shows no Experimental: $dv"
fi
i=$(lp_api /v1.41/info)
[ "$(echo "$i" | lp_json 'd["NGoroutines"]')" -ge 1 ] || lp_fail NGoroutines
[ "$(echo "$i" | lp_json 'd["NFd"]')" -ge 3 ] || lp_fail NFd
lp_eq "$(echo "$i" | lp_json 'd["Images"]')" \
	"$(lp_api /images/json | lp_json 'len(d)')" "Images counts the images"
lp_eq "$(echo "$i" | lp_json 'd["Containers"]')" \
	"$(lp_api '/containers/json?all=1' | lp_json 'len(d)')" "Containers"
lp_eq "$(echo "$i" | lp_json '" ".join(sorted(d["Runtimes"]))')" \
	"$(printf '%s\n' logpouch-process $(command -v crun >/dev/null && echo crun) $(command -v runc >/dev/null && echo runc) | sort | tr '\n' ' ' | sed 's/ $//')" \
	"Runtimes: the process runtime and those on PATH"
lp_contains "$(echo "$i" | lp_json '" ".join(sorted(d["Runtimes"]))')" \
	"$(echo "$i" | lp_json 'd["DefaultRuntime"]')" "DefaultRuntime is one of them"
if [ -r /etc/os-release ]; then
	. /etc/os-release
	lp_eq "$(echo "$i" | lp_json 'd["OperatingSystem"]')" "$PRETTY_NAME" OperatingSystem
fi
id1=$(echo "$i" | lp_json 'd["ID"]')
[ ${#id1} -eq 36 ] || lp_fail "ID is a UUID: $id1"
lp_eq "$(cat "$LP_DATA/engine-id")" "$id1" "ID kept in engine-id"

lp_step "version range and unknown routes"
lp_eq "$(lp_status GET /v1.51/_ping)" 200 "1.51 is accepted"
lp_eq "$(lp_status GET /v1.52/_ping)" 400 "too new"
lp_eq "$(lp_api /v1.52/version)" '{"message":"client version 1.52 is too new. Maximum supported API version is 1.51"}' "too new body"
lp_eq "$(lp_api /v1.11/version)" 'client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version' "too old body"
lp_eq "$(lp_status GET /nonexistent)" 404 "unknown route"
lp_eq "$(lp_api /nonexistent)" '{"message":"page not found"}' "404 body"
lp_eq "$(lp_api /v1.20/nonexistent)" 'page not found' "plain 404 for <= 1.23"
lp_eq "$(lp_status GET /vfoo/_ping)" 404 "bad prefix"
lp_eq "$(lp_status POST /_ping)" 404 "wrong method (dockerd: page not found)"
lp_eq "$(lp_status GET /v1.41//_ping)" 301 "path cleaning"

lp_step "debug dumps"
d1=$(lp_api '/debug/pprof/goroutine?debug=1')
lp_contains "$d1" "goroutine profile: total"
d2=$(lp_api '/debug/pprof/goroutine?debug=2')
lp_contains "$d2" "[running]:"
lp_contains "$d2" "logpouch/api.debug(req="
lp_contains "$d2" "created by logpouch/api.api_req_dispatch"
lp_eq "$(lp_api /debug/tasks | lp_json '[t["frames"][0]["func"] for t in d if t["kind"] == "api.debug"][0]')" api.debug "the request itself in /debug/tasks"
lp_eq "$(lp_api /debug/tasks | lp_json '[t["created_by"]["func"] for t in d][0]')" api_req_dispatch "created_by"
lp_eq "$(lp_api /debug/vars | lp_json 'd["tasks_by_kind"]["api.debug"]')" 1 "tasks_by_kind counts the request"
lp_contains "$(lp_api /debug/events)" "Inserted events"

lp_step "SIGUSR1 writes the task dump"
kill -USR1 "$LP_PID"
lp_until 2000 compgen -G "$LP_DATA/task-stacks-*.log" >/dev/null ||
	lp_fail "no task-stacks file"
lp_contains "$(cat "$LP_DATA"/task-stacks-*.log)" "goroutine profile: total"
lp_contains "$(cat "$LP_LOG")" "task stacks written to $LP_DATA/task-stacks-"

lp_step "back at baseline"
lp_until 1000 lp_at_baseline || lp_fail "tasks or fds grew"

lp_step "SIGTERM"
lp_stop
[ ! -e "$LP_SOCK" ] || lp_fail "socket file left behind"
lp_log "ok"
