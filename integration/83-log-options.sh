#!/usr/bin/env bash
# json-file log options of issue 16: compress=true (rotated files gzipped
# as dockerd names and writes them; all, tail, since and follow across
# rotations give every line exactly once, as the files' content says; the
# docker CLI reads it) and mode=non-blocking with max-buffer-size (accepted,
# the container's output arrives).
. "$(dirname "$0")/lib.sh"
lp_start

# What the files on disk hold, oldest first, as "log" lines (gz read by
# Python's gzip, not by us).
disk_lines() {
	python3 - "$1" <<'EOF'
import glob, gzip, json, sys
base = glob.glob(sys.argv[1] + "/*-json.log")[0]
rot = sorted(glob.glob(base + ".*"), key=lambda p: -int(p.split(".")[-2 if p.endswith(".gz") else -1]))
for p in rot + [base]:
    op = gzip.open if p.endswith(".gz") else open
    with op(p, "rt") as f:
        for l in f:
            e = json.loads(l)
            print(e["time"] + " " + e["log"], end="")
EOF
}

lp_step "compress: create, follow from the start across rotations"
body='{"Image":"busybox","Cmd":["sh","-c","sleep 1; seq 1 3000; sleep 0.3; seq 3001 6000"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"2k","max-file":"4","compress":"true"}}}}'
id=$(lp_api '/containers/create?name=gz' -X POST -H 'Content-Type: application/json' -d "$body" | lp_json 'd["Id"]')
lp_baseline
lp_start_container gz
lp_api '/containers/gz/logs?stdout=1&follow=1' -m 30 -o "$LP_DIR/follow" ||
	lp_fail "follower did not end cleanly"
lp_frames <"$LP_DIR/follow" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
seq 1 6000 >"$LP_DIR/want"
cmp -s "$LP_DIR/got" "$LP_DIR/want" ||
	lp_fail "follow lost or repeated lines: $(diff "$LP_DIR/want" "$LP_DIR/got" | head -5)"
lp_released 200

lp_step "compress: the files are dockerd's"
dir=$LP_DATA/containers/$id
lp_until 5 test -e "$dir/$id-json.log.3.gz"
sleep 0.3	# the last rotation's compression
ls "$dir" | grep json.log | sort >"$LP_DIR/names"
printf '%s\n' "$id-json.log" "$id-json.log.1.gz" "$id-json.log.2.gz" \
	"$id-json.log.3.gz" >"$LP_DIR/want-names"
cmp -s "$LP_DIR/names" "$LP_DIR/want-names" ||
	lp_fail "files: $(tr '\n' ' ' <"$LP_DIR/names")"
for k in 1 2 3; do
	gzip -t "$dir/$id-json.log.$k.gz" || lp_fail "$k.gz is not valid gzip"
	# FEXTRA, MTIME 0, XFL 0, OS 255, then {"lastTime":"..."} (dockerd 20.10)
	lp_eq "$(head -c 10 "$dir/$id-json.log.$k.gz" | od -An -tx1 | tr -d ' \n')" \
		1f8b08040000000000ff "gzip header of .$k.gz"
	lp_contains "$(head -c 80 "$dir/$id-json.log.$k.gz" | tail -c +13 | tr -d '\0')" \
		'{"lastTime":"20' "lastTime extra of .$k.gz"
done

lp_step "compress: all, tail and since read through the .gz files"
disk_lines "$dir" >"$LP_DIR/disk"
n=$(wc -l <"$LP_DIR/disk")
[ "$n" -gt 60 ] || lp_fail "only $n lines kept on disk"
cut -d' ' -f2- "$LP_DIR/disk" >"$LP_DIR/disk-logs"
lp_api '/containers/gz/logs?stdout=1' -o "$LP_DIR/all"
lp_frames <"$LP_DIR/all" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
cmp -s "$LP_DIR/got" "$LP_DIR/disk-logs" ||
	lp_fail "all: $(diff "$LP_DIR/disk-logs" "$LP_DIR/got" | head -5)"
half=$((n * 2 / 3))	# reaches back into .2.gz or .3.gz
lp_api "/containers/gz/logs?stdout=1&tail=$half" -o "$LP_DIR/tail"
lp_frames <"$LP_DIR/tail" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
cmp -s "$LP_DIR/got" <(tail -n "$half" "$LP_DIR/disk-logs") ||
	lp_fail "tail=$half differs"
since_line=$((n / 3))
since=$(sed -n "${since_line}p" "$LP_DIR/disk" | cut -d' ' -f1)
since_unix=$(python3 -c 'import sys
s = sys.argv[1].rstrip("Z"); d, f = (s.split(".") + ["0"])[:2]
import calendar, time
print("%d.%s" % (calendar.timegm(time.strptime(d, "%Y-%m-%dT%H:%M:%S")), (f + "0" * 9)[:9]))' "$since")
lp_api "/containers/gz/logs?stdout=1&since=$since_unix" -o "$LP_DIR/since"
lp_frames <"$LP_DIR/since" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
awk -v s="$since" '$1 >= s' "$LP_DIR/disk" | cut -d' ' -f2- >"$LP_DIR/want"
cmp -s "$LP_DIR/got" "$LP_DIR/want" ||
	lp_fail "since=$since_unix: $(diff "$LP_DIR/want" "$LP_DIR/got" | head -5)"

lp_step "compress: the docker CLI reads it"
if command -v docker >/dev/null; then
	export DOCKER_HOST=unix://$LP_SOCK DOCKER_CONFIG=$LP_DIR/docker-config
	docker logs gz >"$LP_DIR/cli" 2>&1
	cmp -s "$LP_DIR/cli" "$LP_DIR/disk-logs" || lp_fail "docker logs differs"
	lp_eq "$(docker logs --tail 3 gz | tr '\n' ' ')" "5998 5999 6000 " "docker logs --tail 3"
	out=$(docker run --name=bad --log-opt compress=true --log-opt max-file=1 busybox true 2>&1) || true
	lp_contains "$out" "compress cannot be true when max-file is less than 2" "validated as dockerd"
else
	lp_log "no docker CLI: its steps skipped"
fi

lp_step "non-blocking: accepted, the output arrives"
body='{"Image":"busybox","Cmd":["sh","-c","seq 1 20000"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"mode":"non-blocking","max-buffer-size":"4m"}}}}'
lp_api '/containers/create?name=nb' -X POST -H 'Content-Type: application/json' -d "$body" >/dev/null
lp_start_container nb
lp_eq "$(lp_wait_exit nb)" 0 "exit code"
lp_api '/containers/nb/logs?stdout=1' -o "$LP_DIR/nb"
lp_frames <"$LP_DIR/nb" | sed 's/^1|//; s/\\n$//' >"$LP_DIR/got"
seq 1 20000 >"$LP_DIR/want"
cmp -s "$LP_DIR/got" "$LP_DIR/want" || lp_fail "non-blocking output lost lines"

lp_stop
lp_log ok
