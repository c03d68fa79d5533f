#!/usr/bin/env bash
# Runs the same tricky output through dockerd and logpouchd and diffs what
# they store (json-file lines, times aside) and what they serve (logs
# bodies with and without timestamps=1, times aside). Needs a running
# dockerd (../shared/tools/dockerd-reference.sh start) and a built
# logpouchd:
#   bench/compare-dockerd.sh DOCKERD_SOCK [LOGPOUCHD_BIN]
set -euo pipefail
dsock=${1:?usage: $0 DOCKERD_SOCK [LOGPOUCHD_BIN]}
bin=${2:-build/logpouchd}
work=$(mktemp -d)
lsock=$work/lp.sock
"$bin" -H "unix://$lsock" --data-root "$work/data" 2>"$work/lp.log" &
lpid=$!
trap 'kill $lpid 2>/dev/null; wait $lpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
	curl -sf --unix-socket "$lsock" http://x/_ping >/dev/null && break
	sleep 0.05
done
# Create needs the image: the same busybox-static build dockerd gets.
"$(dirname "$0")/../scripts/busybox-image.sh" import "$lsock"

# Each case is a shell snippet run by busybox sh (dockerd) and the host's
# sh (logpouchd); both printf octal escapes the same way.
cases=(
	"printf 'quote \" backslash \\\\\\\\ tab \\t ctl \\001\\033 del \\177 cr \\r end\\n'"
	"printf '<html> & </html>\\n'"
	"printf '\\303\\251 \\360\\237\\230\\200 \\342\\200\\250 \\342\\200\\251\\n'"
	"printf '\\377\\376\\n\\342\\200\\n\\200\\n\\300\\257\\n\\355\\240\\200\\n'"
	"printf 'nul\\000byte\\n\\n\\n'"
	"head -c 16383 /dev/zero | tr '\\000' a; echo"
	"head -c 16384 /dev/zero | tr '\\000' b; echo"
	"head -c 40000 /dev/zero | tr '\\000' c; echo"
	"head -c 20000 /dev/zero | tr '\\000' d"
	"printf 'no newline at the end'"
)

api() { local s=$1; shift; curl -sS --unix-socket "$s" "$@"; }
create() {	# SOCK NAME CMD -> id
	python3 -c 'import json,sys; print(json.dumps({"Image":"busybox","Cmd":["sh","-c",sys.argv[1]],"HostConfig":{"NetworkMode":"none"}}))' "$3" |
		api "$1" -X POST -H 'Content-Type: application/json' -d @- \
		"http://x/v1.41/containers/create?name=$2" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])'
}
run() {		# SOCK NAME CMD -> log path
	local id
	id=$(create "$@")
	api "$1" -X POST "http://x/v1.41/containers/$id/start" >/dev/null
	api "$1" -X POST "http://x/v1.41/containers/$id/wait" >/dev/null
	api "$1" "http://x/v1.41/containers/$id/json" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["LogPath"])'
}
notime() { sed -E 's/"time":"[^"]*"/"time":"T"/'; }

fail=0
i=0
for c in "${cases[@]}"; do
	i=$((i + 1))
	dpath=$(run "$dsock" "cmp$$-$i" "$c")
	lpath=$(run "$lsock" "cmp$$-$i" "$c")
	if cmp -s <(notime <"$dpath") <(notime <"$lpath"); then
		echo "case $i: json-file identical ($(wc -l <"$lpath") lines)"
	else
		echo "case $i: json-file DIFFERS"
		diff <(notime <"$dpath") <(notime <"$lpath") | head -6
		fail=1
	fi
	for q in 'stdout=1&stderr=1' 'stdout=1&tail=1' 'stdout=1&details=1'; do
		if cmp -s <(api "$dsock" "http://x/v1.41/containers/cmp$$-$i/logs?$q") \
			<(api "$lsock" "http://x/v1.41/containers/cmp$$-$i/logs?$q"); then
			:
		else
			echo "case $i: logs?$q DIFFERS"
			fail=1
		fi
	done
	api "$dsock" -X DELETE "http://x/v1.41/containers/cmp$$-$i" >/dev/null
done
[ $fail -eq 0 ] && echo "all cases identical (times aside)"
exit $fail
