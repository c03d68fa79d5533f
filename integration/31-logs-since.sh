#!/usr/bin/env bash
# since on a log over rotated files, which the daemon finds by bisecting
# the files (docs/api.md): every reply is compared frame for frame with
# the files read from the start and filtered as dockerd's scan filters.
. "$(dirname "$0")/lib.sh"
lp_start
lp_baseline

lp_step "a container writes 30,000 entries over rotated files"
body='{"Image":"busybox","Cmd":["sh","-c","seq 1 30000; echo done >&2"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"400k","max-file":"8"}}}}'
id=$(lp_api '/containers/create?name=big' -X POST -H 'Content-Type: application/json' -d "$body" | lp_json 'd["Id"]')
lp_start_container big
lp_eq "$(lp_wait_exit big)" 0 "exit code"
log=$LP_DATA/containers/$id/$id-json.log
[ -f "$log.3" ] || lp_fail "no rotated files"

# ref -1 SINCE UNTIL TAIL: what a scan of the files sends (stdout only),
# as lp_frames prints it; SINCE and UNTIL are "s[.nnnnnnnnn]" or "-".
# ref K [NS]: the time of the K-th entry (plus NS ns) as since text.
ref() {
	python3 - "$log" "$@" <<'EOF'
import calendar, json, os, sys, time
path, k, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def ns(t):
    base = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
    frac = t[20:-1] if t[19] == "." else ""
    return base * 10**9 + int((frac + "000000000")[:9])
def arg(s):
    if s == "-":
        return None
    a, _, b = s.partition(".")
    return int(a) * 10**9 + int((b + "000000000")[:9])
files = [path + ".%d" % i for i in range(7, 0, -1)
         if os.path.exists(path + ".%d" % i)] + [path]
lines = []
for f in files:
    with open(f, "rb") as fh:
        lines += [l for l in fh.read().split(b"\n")[:-1]]
entries = [json.loads(l) for l in lines]
if k >= 0:
    t = ns(entries[k]["time"]) + (int(rest[0]) if rest else 0)
    print("%d.%09d" % (t // 10**9, t % 10**9))
    sys.exit()
since, until, tail = rest
if int(tail) >= 0:
    entries = entries[len(entries) - int(tail):] if int(tail) else []
s, u = arg(since), arg(until)
for e in entries:
    t = ns(e["time"])
    if s is not None and t < s:
        continue
    if u is not None and t > u:
        break
    if e["stream"] == "stdout":
        print("1|%s" % e["log"].replace("\n", "\\n"))
EOF
}

# check SINCE UNTIL TAIL NAME: the daemon's reply is the scan's.
check() {
	local q="stdout=1&since=$1"
	[ "$2" = - ] || q="$q&until=$2"
	[ "$3" = -1 ] || q="$q&tail=$3"
	lp_eq "$(lp_api "/containers/big/logs?$q" | lp_frames)" \
		"$(ref -1 "$1" "$2" "$3")" "$4"
}

lp_step "since at entries across the files, with until and tail"
for k in 0 1 9999 17345 29998 29999; do
	s=$(ref "$k")
	u=$(ref $((k + 500 < 29999 ? k + 500 : 29999)))
	check "$s" - -1 "since = entry $k"
	check "$(ref "$k" -1)" - -1 "since 1 ns before entry $k"
	check "$(ref "$k" 1)" - -1 "since 1 ns after entry $k"
	check "$s" "$u" -1 "since..until from entry $k"
	check "$s" - 100 "since with tail=100 at entry $k"
	check "$s" - 20000 "since with tail=20000 at entry $k"
done
check 0 - -1 "since=0"
check 99999999999 - -1 "since in the future"

lp_step "everything released"
lp_until 1000 lp_at_baseline || lp_fail "tasks or fds grew"
lp_stop
lp_log ok
