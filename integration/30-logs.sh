#!/usr/bin/env bash
# GET /containers/{id}/logs: parameters, errors, framing and backlog, as
# dockerd 20.10 answers them (../shared/spec/docker-logs-api.md).
. "$(dirname "$0")/lib.sh"
lp_start
lp_baseline

lp_step "a container with both streams and a newline-less tail"
id=$(lp_create mixed 'echo out1; echo err1 >&2; echo out2; printf nonl; sleep 0.2; echo err2 >&2; printf tail-no-newline')
lp_start_container mixed
lp_eq "$(lp_wait_exit mixed)" 0 "exit code"

lp_step "both streams in file order, the last fragment kept"
got=$(lp_api '/containers/mixed/logs?stdout=1&stderr=1' | lp_frames)
want=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print("%d|%s" % (1 if e["stream"] == "stdout" else 2, e["log"].replace("\n", "\\n")))
' "$LP_DATA/containers/$id/$id-json.log")
lp_eq "$got" "$want" "frames in file order"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1' | lp_frames)" $'1|out1\\n\n1|out2\\n\n1|nonltail-no-newline' "stdout frames"

lp_step "stream selection"
lp_eq "$(lp_api '/containers/mixed/logs?stderr=1' | lp_frames)" $'2|err1\\n\n2|err2\\n' stderr
lp_eq "$(lp_api "/v1.41/containers/${id:0:12}/logs?stdout=yes" | lp_frames | sed -n 1p)" '1|out1\n' "id prefix, yes"

lp_step "tail counts entries of both streams before filtering"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&tail=2' | lp_frames)" '1|nonltail-no-newline' "tail=2"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&stderr=1&tail=0' | wc -c)" 0 "tail=0"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&stderr=1&tail=abc' | lp_frames | wc -l)" 5 "bad tail is all"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&stderr=1&tail=-2' | lp_frames | wc -l)" 5 "negative tail is all"

lp_step "timestamps: nine digits and a space before every payload"
ts=$(lp_api '/containers/mixed/logs?stdout=1&timestamps=1&tail=1' | lp_frames)
[[ $ts =~ ^1\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z\ nonltail-no-newline$ ]] ||
	lp_fail "timestamp prefix: [$ts]"

lp_step "since and until, inclusive, nanosecond exact"
first=$(lp_api '/containers/mixed/logs?stdout=1&timestamps=1' | lp_frames | sed -n 1p | cut -c3-32)
secs=$(python3 -c 'import sys,datetime; t=sys.argv[1]; d=datetime.datetime.strptime(t[:19],"%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc); print("%d.%s" % (d.timestamp(), t[20:29]))' "$first")
lp_eq "$(lp_api "/containers/mixed/logs?stdout=1&until=$secs" | lp_frames)" '1|out1\n' "until = first entry"
lp_eq "$(lp_api "/containers/mixed/logs?stdout=1&since=$secs" | lp_frames | wc -l)" 3 "since = first entry"
lp_eq "$(lp_api "/containers/mixed/logs?stdout=1&since=99999999999" | wc -c)" 0 "since in the future"

lp_step "details with no attributes: a single space"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&details=1&tail=1' | lp_frames)" '1| nonltail-no-newline' details

lp_step "headers under /v1.41: no Content-Type, chunked, Api-Version"
hdrs=$(curl -sS -D - -o /dev/null --unix-socket "$LP_SOCK" 'http://x/v1.41/containers/mixed/logs?stdout=1')
lp_contains "$hdrs" "Transfer-Encoding: chunked"
lp_contains "$hdrs" "Api-Version: 1.41"
grep -qi '^content-type' <<<"$hdrs" && lp_fail "logs must not send Content-Type"
hdrs=$(curl -sS -D - -o /dev/null --unix-socket "$LP_SOCK" 'http://x/containers/mixed/logs?stdout=1')
lp_contains "$hdrs" "Content-Type: application/vnd.docker.multiplexed-stream" \
	"unversioned: the newest API's type"

lp_step "errors in dockerd's order and shape"
lp_eq "$(lp_status GET '/containers/nope/logs')" 400 "no stream"
lp_eq "$(lp_api '/containers/nope/logs')" '{"message":"Bad parameters: you must choose at least one stream"}' "no stream body"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=0&stdout=1')" '{"message":"Bad parameters: you must choose at least one stream"}' "first duplicate wins"
lp_eq "$(lp_status GET '/containers/nope/logs?stdout=1')" 404 "unknown container"
lp_eq "$(lp_api '/containers/nope/logs?stdout=1')" '{"message":"No such container: nope"}' "404 body"
lp_eq "$(lp_api '/v1.20/containers/nope/logs?stdout=1')" 'No such container: nope' "plain text <= 1.23"
lp_eq "$(lp_status GET '/containers/mixed/logs?stdout=1&since=abc')" 400 "bad since"
lp_contains "$(lp_api '/containers/mixed/logs?stdout=1&until=1.x')" 'invalid value for \"until\"' "bad until"
lp_eq "$(lp_status POST '/containers/mixed/logs?stdout=1')" 404 "POST logs"

lp_step "follow on an exited container returns the backlog and ends"
lp_eq "$(lp_api '/containers/mixed/logs?stdout=1&follow=1' -m 5 | lp_frames | wc -l)" 3 "follow exited"

lp_step "a TTY container is a raw stream"
body='{"Image":"busybox","Tty":true,"Cmd":["sh","-c","echo tty-out; echo tty-err >&2"]}'
lp_api '/containers/create?name=tty' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_start_container tty
lp_wait_exit tty >/dev/null
lp_eq "$(lp_api '/containers/tty/logs?stdout=1' | od -An -c | tr -s ' ')" "$(printf 'tty-out\r\ntty-err\r\n' | od -An -c | tr -s ' ')" "tty raw"
lp_eq "$(lp_api '/containers/tty/logs?stderr=1' | wc -c)" 0 "tty stderr only"

lp_step "log driver none"
body='{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"none"}}}'
lp_api '/containers/create?name=quiet' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_eq "$(lp_api '/containers/quiet/logs?stdout=1')" '{"message":"configured logging driver does not support reading"}' "driver none"

lp_step "bad log options: start and logs both give the parse error"
body='{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1k5"}}}}'
lp_api '/containers/create?name=badopts' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_eq "$(lp_status POST /containers/badopts/start)" 500 "start with a bad max-size"
lp_eq "$(lp_status GET '/containers/badopts/logs?stdout=1')" 500 "logs with a bad max-size"
lp_contains "$(lp_api '/containers/badopts/logs?stdout=1')" "invalid size: '1k5'"

lp_step "everything released"
lp_until 1000 lp_at_baseline || lp_fail "tasks or fds grew"
lp_stop
lp_log ok
