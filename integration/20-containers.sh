#!/usr/bin/env bash
# Container endpoints (create, start, stop, kill, restart, wait, rm, list,
# inspect) with dockerd 20.10's statuses and bodies, and a daemon restart
# that keeps containers and their logs.
. "$(dirname "$0")/lib.sh"
lp_start
lp_baseline

# create NAME JSON: prints "STATUS BODY".
create() {
	: >"$LP_DIR/body"
	curl -sS -m 10 --unix-socket "$LP_SOCK" -o "$LP_DIR/body" \
		-w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-d "$2" "http://x/containers/create?name=$1"
	printf ' %s' "$(cat "$LP_DIR/body")"
}
# call METHOD PATH: prints "STATUS BODY".
call() {
	: >"$LP_DIR/body"
	curl -sS -m 30 --unix-socket "$LP_SOCK" -o "$LP_DIR/body" \
		-w '%{http_code}' -X "$1" "http://x$2"
	printf ' %s' "$(cat "$LP_DIR/body")"
}
inspect() { lp_api "/containers/$1/json" | lp_json "$2"; }
M="lpit-marker-$$"

lp_step "create: 201 with a 64-hex id and empty warnings"
out=$(create c1 '{"Image":"busybox","Cmd":["sh","-c","echo one; echo two >&2; exit 3"],"Labels":{"m":"'$M'"}}')
[[ $out =~ ^201\ \{\"Id\":\"[0-9a-f]{64}\",\"Warnings\":\[\]\}$ ]] ||
	lp_fail "create: [$out]"
id1=$(echo "${out#201 }" | lp_json 'd["Id"]')
lp_eq "$(inspect c1 'd["State"]["Status"]')" created "state after create"
lp_eq "$(inspect c1 'd["LogPath"]')" "" "LogPath before any log"
lp_eq "$(inspect c1 'd["State"]["StartedAt"]')" 0001-01-01T00:00:00Z StartedAt
lp_eq "$(inspect c1 'd["Config"]["Hostname"]')" "${id1:0:12}" Hostname
lp_eq "$(lp_api '/containers/json?all=1' | lp_json 'd[0]["Status"]')" Created \
	"ps status of a created container"
lp_eq "$(stat -c %a "$LP_DATA/containers/$id1/config.v2.json")" 600 \
	"metadata file mode"

lp_step "create errors, in dockerd's words"
out=$(create c1 '{"Image":"busybox","Cmd":["true"]}')
lp_eq "$out" "409 {\"message\":\"Conflict. The container name \\\"/c1\\\" is already in use by container \\\"$id1\\\". You have to remove (or rename) that container to be able to reuse that name.\"}" "name in use"
lp_eq "$(create 'bad%20name' '{"Image":"busybox","Cmd":["true"]}')" \
	'400 {"message":"Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"}' "bad name"
lp_eq "$(create x1 '{}')" \
	'400 {"message":"Config cannot be empty in order to create a container"}' "empty config"
lp_eq "$(create x1 '{"Image":"busybox"}')" \
	'400 {"message":"No command specified"}' "no command"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"bogus":"1"}}}}')" \
	"400 {\"message\":\"unknown log opt 'bogus' for json-file log driver\"}" "unknown log opt"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"nosuch"}}}')" \
	'400 {"message":"error looking up logging plugin nosuch: plugin \"nosuch\" not found"}' "unknown driver"
# dockerd's other built-in drivers: created, then the start fails (500)
# and the container stays created with exit code 128, as dockerd.
lp_eq "$(create sp1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"splunk"}}}' | cut -c1-3)" 201 "a built-in driver is created"
lp_eq "$(call POST /containers/sp1/start)" \
	'500 {"message":"failed to initialize logging driver: splunk: this log driver is not built into logpouchd (json-file and none are)"}' "its start fails"
lp_eq "$(inspect sp1 'd["State"]["Status"], d["State"]["ExitCode"], d["HostConfig"]["LogConfig"]["Type"]')" \
	"('created', 128, 'splunk')" "left created, exit 128"
lp_eq "$(call GET '/containers/sp1/logs?stdout=1' | cut -c1-4)" "500 " "logs: the driver's error"
lp_eq "$(call DELETE /containers/sp1)" "204 " "rm sp1"
# Links: the target must exist; not with host networking (dockerd's words).
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Links":["nosuch:y"]}}')" \
	'400 {"message":"could not get container for nosuch: No such container: nosuch"}' "link to no container"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Links":["c1:a:b"]}}')" \
	'500 {"message":"bad format for links: c1:a:b"}' "bad link"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"host","Links":["c1:y"]}}')" \
	"400 {\"message\":\"conflicting options: host type networking can't be used with links. This would result in undefined behavior\"}" "links with host"
lp_eq "$(create lk1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Links":["'"${id1:0:12}"':y"]}}' | cut -c1-3)" 201 "link by id"
lp_eq "$(inspect lk1 'd["HostConfig"]["Links"]')" "['/c1:/lk1/y']" "the link as dockerd shows it"
lp_eq "$(call DELETE /containers/lk1)" "204 " "rm lk1"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"WorkingDir":"rel"}')" \
	"400 {\"message\":\"the working directory 'rel' is invalid, it needs to be an absolute path\"}" "relative WorkingDir"
lp_eq "$(create x1 '{"Image": bad}')" \
	"500 {\"message\":\"invalid character 'b' looking for beginning of value\"}" "malformed JSON, as dockerd: 500"
lp_eq "$(curl -sS -m 10 --unix-socket "$LP_SOCK" -X POST -H 'Content-Type: text/plain' -d '{}' http://x/containers/create)" \
	"{\"message\":\"Content-Type specified (text/plain) must be 'application/json'\"}" "content type"
lp_eq "$(curl -sS -m 10 --unix-socket "$LP_SOCK" -X POST -H 'Content-Type: application/json' http://x/containers/create)" \
	'{"message":"EOF"}' "no body"
lp_eq "$(create x1 '{"Image":"busybox","Cmd":["true"],"Unknown":{"a":1},"HostConfig":{"Whatever":1}}' | cut -c1-3)" 201 \
	"unknown fields ignored"
lp_eq "$(call DELETE /containers/x1)" "204 " "rm x1"

lp_step "start, wait: exit code, both streams in the log"
lp_eq "$(call POST /containers/c1/start)" "204 " start
lp_eq "$(call POST /containers/c1/wait)" '200 {"Error":null,"StatusCode":3}' wait
lp_eq "$(inspect c1 'd["State"]["ExitCode"]')" 3 ExitCode
lp_eq "$(inspect c1 'd["State"]["Status"]')" exited Status
log=$LP_DATA/containers/$id1/$id1-json.log
lp_eq "$(inspect c1 'd["LogPath"]')" "$log" LogPath
lp_eq "$(stat -c %a "$log")" 640 "log mode"
grep -q '"log":"one\\n","stream":"stdout"' "$log" || lp_fail "stdout line in $log"
grep -q '"log":"two\\n","stream":"stderr"' "$log" || lp_fail "stderr line in $log"
lp_eq "$(call POST /containers/c1/wait?condition=bogus)" '200 {"Error":null,"StatusCode":3}' \
	"unknown condition means not-running"
[[ $(lp_api '/containers/json?all=1' | lp_json 'd[0]["Status"]') =~ ^Exited\ \(3\)\ .*\ ago$ ]] ||
	lp_fail "ps status of an exited container"
lp_eq "$(lp_api '/containers/json' | lp_json 'len(d)')" 0 "ps without all"
lp_eq "$(call POST /containers/c1/stop)" "304 " "stop a stopped container"
# dockerd's words: its router names the container as the client did.
lp_eq "$(call POST /containers/c1/kill)" "409 {\"message\":\"Cannot kill container: c1: Container $id1 is not running\"}" \
	"kill a stopped container"
lp_eq "$(call POST /containers/nope/kill)" '404 {"message":"Cannot kill container: nope: No such container: nope"}' \
	"kill a missing container"
lp_eq "$(call POST /v1.19/containers/c1/kill)" "204 " "kill a stopped container before API 1.20"
lp_eq "$(call POST /containers/c1/unpause)" "500 {\"message\":\"Container $id1 is not paused\"}" \
	"unpause a stopped container: not paused comes first, 500"

lp_step "lookup: prefix, /name, not found, ambiguity"
lp_eq "$(inspect "${id1:0:7}" 'd["Name"]')" /c1 "id prefix"
lp_eq "$(lp_api "/containers/%2Fc1/json" | lp_json 'd["Id"]')" "$id1" "/name"
lp_eq "$(call GET /containers/nosuch/json)" '404 {"message":"No such container: nosuch"}' "not found"

lp_step "start errors: missing executable and directory"
create e1 '{"Image":"busybox","Cmd":["nosuch-'$M'"]}' >/dev/null
lp_eq "$(call POST /containers/e1/start)" \
	"400 {\"message\":\"failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \\\"nosuch-$M\\\": executable file not found in \$PATH: unknown\"}" \
	"exec failure"
lp_eq "$(inspect e1 'd["State"]["Status"]')" created "state after exec failure"
lp_eq "$(inspect e1 'd["State"]["ExitCode"]')" 127 "exit code after exec failure"
lp_contains "$(inspect e1 'd["State"]["Error"]')" "executable file not found"
# A host process cannot chdir into a missing directory; an OCI container's
# WorkingDir is created as dockerd creates it (71-oci.sh).
create e2 '{"Image":"busybox","Cmd":["true"],"WorkingDir":"/nonexistent-'$M'","HostConfig":{"Runtime":"logpouch-process"}}' >/dev/null
lp_eq "$(call POST /containers/e2/start | cut -c1-3)" 400 "missing WorkingDir"
create e3 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"","Config":{"max-size":"1k5"}}}}' >/dev/null
lp_eq "$(call POST /containers/e3/start)" \
	"500 {\"message\":\"failed to initialize logging driver: invalid size: '1k5'\"}" "bad max-size"
lp_eq "$(inspect e3 'd["HostConfig"]["LogConfig"]["Type"]')" json-file "default driver"
for c in e1 e2 e3; do lp_eq "$(call DELETE /containers/$c)" "204 " "rm $c"; done

lp_step "stop: SIGTERM ignored, SIGKILL after t, 137"
create s1 '{"Image":"busybox","Cmd":["sh","-c","trap \"\" TERM; echo '$M'; while :; do sleep 0.1; done"]}' >/dev/null
lp_eq "$(call POST /containers/s1/start)" "204 " start
lp_eq "$(call POST /containers/s1/start)" "304 " "start a running container"
lp_eq "$(lp_api '/containers/json' | lp_json 'd[0]["Names"][0]')" /s1 "ps lists it"
[[ $(lp_api '/containers/json' | lp_json 'd[0]["Status"]') =~ ^Up\  ]] || lp_fail "Up status"
lp_eq "$(inspect s1 'd["State"]["Running"]')" True Running
lp_eq "$(call POST '/containers/s1/stop?t=abc')" \
	'400 {"message":"strconv.Atoi: parsing \"abc\": invalid syntax"}' "t=abc"
lp_eq "$(call DELETE /containers/s1)" \
	"409 {\"message\":\"You cannot remove a running container $(inspect s1 'd["Id"]'). Stop the container before attempting removal or force remove\"}" \
	"rm a running container"
t0=$(date +%s.%N)
lp_eq "$(call POST '/containers/s1/stop?t=1')" "204 " "stop t=1"
t1=$(date +%s.%N)
python3 -c "import sys; d=$t1-$t0; sys.exit(0 if 0.9 < d < 5 else 1)" ||
	lp_fail "stop took $t0 .. $t1"
lp_eq "$(inspect s1 'd["State"]["ExitCode"]')" 137 "exit code after SIGKILL"
lp_eq "$(inspect s1 'd["State"]["Running"]')" False "not running after stop"

lp_step "restart, then kill with a signal name"
lp_eq "$(call POST '/containers/s1/restart?t=0')" "204 " restart
lp_eq "$(inspect s1 'd["State"]["Running"]')" True "running after restart"
lp_eq "$(call POST '/containers/s1/kill?signal=bogus')" '400 {"message":"Invalid signal: bogus"}' "bad signal"
lp_eq "$(call POST '/containers/s1/kill?signal=SIGKILL')" "204 " "kill"
lp_eq "$(lp_wait_exit s1)" 137 "exit code after kill"

lp_step "kill TERM: 128+15"
# A host process: PID 1 of a pid namespace (sleep here) ignores a TERM it
# has no handler for, as under dockerd, so 128+15 needs the process runtime.
create s2 '{"Image":"busybox","Cmd":["sh","-c","echo '$M'; exec sleep 30"],"HostConfig":{"Runtime":"logpouch-process"}}' >/dev/null
call POST /containers/s2/start >/dev/null
lp_eq "$(call POST '/containers/s2/kill?signal=TERM')" "204 " "kill TERM"
lp_eq "$(lp_wait_exit s2)" 143 "exit code after SIGTERM"

lp_step "wait next-exit streams headers first, answers on exit"
call POST /containers/s2/start >/dev/null
curl -sS -m 30 --unix-socket "$LP_SOCK" -X POST -D "$LP_DIR/wh" \
	'http://x/containers/s2/wait?condition=next-exit' >"$LP_DIR/wb" &
wpid=$!
lp_until 3000 grep -qs '^HTTP/1.1 200' "$LP_DIR/wh" || lp_fail "wait headers"
[ -s "$LP_DIR/wb" ] && lp_fail "wait answered early"
call POST '/containers/s2/stop?t=5' >/dev/null
wait $wpid
lp_eq "$(cat "$LP_DIR/wb")" '{"Error":null,"StatusCode":143}' "wait body"

lp_step "a waiter whose client hangs up is freed at once"
call POST /containers/s2/start >/dev/null
base=$(lp_tasks_of api.wait_container)
curl -s -m 1 --unix-socket "$LP_SOCK" -X POST 'http://x/containers/s2/wait?condition=next-exit' >/dev/null || true
lp_until 2000 lp_tasks_is api.wait_container "$base" ||
	lp_fail "wait task left behind"

lp_step "rm -f of a running container; wait removed"
curl -sS -m 30 --unix-socket "$LP_SOCK" -X POST \
	'http://x/containers/s2/wait?condition=removed' >"$LP_DIR/wr" &
wpid=$!
sleep 0.2
lp_eq "$(call DELETE '/containers/s2?force=1')" "204 " "rm -f"
wait $wpid
lp_eq "$(cat "$LP_DIR/wr")" '{"Error":null,"StatusCode":137}' "wait removed body"
lp_eq "$(call GET /containers/s2/json | cut -c1-3)" 404 "gone"

lp_step "a grandchild holding the pipe does not keep the container up"
create g1 '{"Image":"busybox","Cmd":["sh","-c","(sleep 30; echo '$M') & echo parent"]}' >/dev/null
call POST /containers/g1/start >/dev/null
t0=$(date +%s)
lp_eq "$(lp_wait_exit g1)" 0 "exit code"
[ $(($(date +%s) - t0)) -le 3 ] || lp_fail "waited for the grandchild"
gid=$(inspect g1 'd["Id"]')
grep -q '"log":"parent\\n"' "$LP_DATA/containers/$gid/$gid-json.log" || lp_fail "parent line"

lp_step "tty: one stream, \\r\\n"
create t1 '{"Image":"busybox","Tty":true,"Cmd":["sh","-c","echo tty; echo err >&2"]}' >/dev/null
call POST /containers/t1/start >/dev/null
lp_eq "$(lp_wait_exit t1)" 0 "tty exit"
tid=$(inspect t1 'd["Id"]')
grep -q '"log":"tty\\r\\n","stream":"stdout"' "$LP_DATA/containers/$tid/$tid-json.log" || lp_fail "tty line"
grep -q '"log":"err\\r\\n","stream":"stdout"' "$LP_DATA/containers/$tid/$tid-json.log" || lp_fail "tty stderr"

lp_step "log driver none: output discarded, no log file"
create n1 '{"Image":"busybox","Cmd":["sh","-c","echo x"],"HostConfig":{"LogConfig":{"Type":"none","Config":{}}}}' >/dev/null
call POST /containers/n1/start >/dev/null
lp_eq "$(lp_wait_exit n1)" 0 "none exit"
nid=$(inspect n1 'd["Id"]')
[ -e "$LP_DATA/containers/$nid/$nid-json.log" ] && lp_fail "log file with driver none"

lp_step "AutoRemove"
create a1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true}}' >/dev/null
call POST /containers/a1/start >/dev/null
gone() { [ "$(call GET /containers/a1/json | cut -c1-3)" = 404 ]; }
lp_until 3000 gone ||
	lp_fail "AutoRemove"

lp_step "tasks back to baseline"
lp_until 3000 lp_at_baseline || lp_fail "tasks/fds not back to baseline"

lp_step "daemon restart keeps containers and logs"
create r1 '{"Image":"busybox","Cmd":["sh","-c","echo '$M'; exec sleep 60"]}' >/dev/null
call POST /containers/r1/start >/dev/null
lp_stop
lp_start
lp_eq "$(inspect c1 'd["State"]["ExitCode"]')" 3 "c1 exit code after restart"
lp_eq "$(inspect r1 'd["State"]["Status"]')" exited "stopped at shutdown"
grep -q '"log":"one\\n"' "$log" || lp_fail "log kept"
lp_eq "$(call POST /containers/c1/start)" "204 " "start again"
lp_eq "$(lp_wait_exit c1)" 3 "second run"
lp_eq "$(grep -c '"log":"one\\n"' "$log")" 2 "one history across restarts"
lp_eq "$(call DELETE /containers/c1)" "204 " "rm c1"
[ -d "$LP_DATA/containers/$id1" ] && lp_fail "directory left after rm"

lp_step "shutdown ends an open wait with context canceled"
call POST /containers/r1/start >/dev/null
curl -sS -m 30 --unix-socket "$LP_SOCK" -X POST \
	'http://x/containers/r1/wait?condition=next-exit' >"$LP_DIR/ws" &
wpid=$!
sleep 0.3
lp_stop
wait $wpid || true
lp_eq "$(cat "$LP_DIR/ws")" '{"Error":{"Message":"context canceled"},"StatusCode":-1}' \
	"wait body at shutdown"
exit 0
