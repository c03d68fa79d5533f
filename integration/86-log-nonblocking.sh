#!/usr/bin/env bash
# json-file mode=non-blocking (issue 16): the container's output is read
# as fast as it comes, into a ring of max-buffer-size; when the ring is
# full new entries are dropped and counted in
# logpouch_log_entries_dropped_total{reason="buffer_full"}. What is stored
# is whole and in order, attached clients still see every byte, and the
# default (blocking) mode keeps every line. Bad options are answered with
# dockerd 20.10.24's words (recorded from the reference daemon).
. "$(dirname "$0")/lib.sh"
AC="$(dirname "$0")/attachclient.py"
MPORT=$(lp_free_port)
lp_start --metrics-addr "127.0.0.1:$MPORT"
M="lpit-marker-$$"
N=500000
DROP='logpouch_log_entries_dropped_total{reason="buffer_full"}'
lp_vars_drops() { lp_api /debug/vars | lp_json 'd["log_buffer_full_drops"]'; }

lp_m() {
	curl -sS -m 5 "http://127.0.0.1:$MPORT/metrics" |
		awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "absent" : v }'
}

# create NAME CMD CONFIG-JSON: prints the body of the answer.
create() {
	local body
	body=$(python3 -c 'import json,sys
print(json.dumps({"Image": "busybox", "Cmd": ["sh", "-c", sys.argv[2]],
    "HostConfig": {"LogConfig": {"Type": "json-file",
    "Config": json.loads(sys.argv[3])}}}))' "$1" "$2 # $M" "$3")
	lp_api "/containers/create?name=$1" -X POST \
		-H 'Content-Type: application/json' -d "$body"
}

# stored ID WANT: the lines of the container's json-file log, checked to be
# "k\n" for increasing k in 1..WANT, stream stdout; prints how many.
stored() {
	python3 - "$LP_DATA/containers/$1/$1-json.log" "$2" <<'EOF'
import json, sys
prev, n = 0, 0
with open(sys.argv[1]) as f:
    for line in f:
        e = json.loads(line)
        k = int(e["log"])
        assert e["log"] == "%d\n" % k, "torn entry %r" % e["log"]
        assert e["stream"] == "stdout"
        assert prev < k <= int(sys.argv[2]), "out of order: %d after %d" % (k, prev)
        prev, n = k, n + 1
print(n)
EOF
}

lp_step "bad mode and max-buffer-size: dockerd's status and words"
bad() {
	local out
	out=$(create badopt true "$1")
	lp_eq "$(lp_status POST /containers/create -H 'Content-Type: application/json' \
		-d "{\"Image\":\"busybox\",\"HostConfig\":{\"LogConfig\":{\"Type\":\"${3:-json-file}\",\"Config\":$1}}}")" 400 "status for $1"
	lp_eq "$(lp_json 'd["message"]' <<<"$out")" "$2" "message for $1"
}
bad '{"mode":"bad"}' "logger: logging mode not supported: bad"
bad '{"mode":"bad","foo":"x"}' "logger: logging mode not supported: bad"
bad '{"mode":"bad"}' "logger: logging mode not supported: bad" syslog
bad '{"max-buffer-size":"4k"}' \
	"logger: max-buffer-size option is only supported with 'mode=non-blocking'"
bad '{"mode":"","max-buffer-size":"4k"}' \
	"logger: max-buffer-size option is only supported with 'mode=non-blocking'"
bad '{"mode":"blocking","max-buffer-size":"4k"}' \
	"logger: max-buffer-size option is only supported with 'mode=non-blocking'"
bad '{"mode":"non-blocking","max-buffer-size":"1k5"}' \
	"error parsing option max-buffer-size: invalid size: '1k5'"
bad '{"mode":"non-blocking","max-buffer-size":"-1"}' \
	"error parsing option max-buffer-size: invalid size: '-1'"
bad '{"mode":"non-blocking","max-buffer-size":""}' \
	"error parsing option max-buffer-size: invalid size: ''"
bad '{"mode":"non-blocking","max-buffer-size":"1.2.3m"}' \
	'error parsing option max-buffer-size: strconv.ParseFloat: parsing "1.2.3": invalid syntax'
bad '{"mode":"non-blocking","foo":"x"}' "unknown log opt 'foo' for json-file log driver"
lp_eq "$(lp_m "$DROP")" 0 "dropped before any container"

lp_step "non-blocking, max-buffer-size=4k: lossy, whole, in order, counted"
id=$(create nb "seq 1 $N" '{"mode":"non-blocking","max-buffer-size":"4k"}' | lp_json 'd["Id"]')
lp_start_container nb
lp_eq "$(lp_wait_exit nb)" 0 "exit code"
got=$(stored "$id" $N) || lp_fail "the stored log is not whole and in order"
lp_log "stored $got of $N lines"
[ "$got" -gt 0 ] && [ "$got" -lt $N ] || lp_fail "stored $got of $N: nothing dropped"
lp_eq "$(lp_m "$DROP")" $((N - got)) "dropped metric = written - stored"
lp_eq "$(lp_vars_drops)" $((N - got)) "/debug/vars log_buffer_full_drops"
lp_eq "$(lp_api "/containers/nb/logs?stdout=1" | lp_frames | wc -l)" "$got" \
	"the logs API reads what is stored"
warns=$(grep -c "log buffer full" "$LP_LOG" || true)
[ "$warns" -ge 1 ] && [ "$warns" -le 3 ] ||
	lp_fail "$warns buffer-full warnings (want at least one, rate-limited)"

lp_step "non-blocking: an attached client still sees every line"
# 60000 lines (~350 KB) stay below what an attach may hold, so the
# client is never dropped for being slow, while the 4k ring drops.
create nba "seq 1 60000" '{"mode":"non-blocking","max-buffer-size":"4k"}' >/dev/null
python3 "$AC" seq "$LP_SOCK" nba 'stream=1&stdout=1' >"$LP_DIR/attach" &
rd=$!
lp_until 2000 lp_tasks_is api.attach_container 1 || lp_fail "not attached"
before=$(lp_m "$DROP")
lp_start_container nba
wait $rd
lp_eq "$(lp_wait_exit nba)" 0 "exit code"
lp_eq "$(cat "$LP_DIR/attach")" "count=60000 exact=True" "attached output"
got=$(stored "$(lp_api /containers/nba/json | lp_json 'd["Id"]')" 60000) ||
	lp_fail "the stored log is not whole and in order"
lp_eq "$(lp_m "$DROP")" $((before + 60000 - got)) "dropped metric"

lp_step "non-blocking with the default buffer (1e6 bytes) and a short burst loses nothing"
before=$(lp_m "$DROP")
id=$(create nbd "seq 1 20000" '{"mode":"non-blocking"}' | lp_json 'd["Id"]')
lp_start_container nbd
lp_eq "$(lp_wait_exit nbd)" 0 "exit code"
lp_eq "$(stored "$id" 20000)" 20000 "lines stored"
lp_eq "$(lp_m "$DROP")" "$before" "nothing dropped"

lp_step "blocking (the default) keeps every line"
before=$(lp_m "$DROP")
id=$(create blk "seq 1 $N" '{}' | lp_json 'd["Id"]')
lp_start_container blk
lp_eq "$(lp_wait_exit blk)" 0 "exit code"
lp_eq "$(stored "$id" $N)" $N "lines stored"
lp_eq "$(lp_m "$DROP")" "$before" "nothing dropped"

lp_stop
lp_log ok
