#!/usr/bin/env bash
# Networks and volumes as the docker CLI sees them: `docker network ls` and
# `inspect` of the predefined none and host networks (ids kept across a
# restart), which running containers sit on them, a container's
# NetworkSettings, the ps network filter, `docker volume ls` and `docker
# plugin ls` empty and their errors. With LP_REF_SOCK (a reference dockerd, ../shared/tools/
# dockerd-reference.sh) the same session runs there and must print the
# same, ids and times masked.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null 2>&1; then
	lp_log "SKIP: no docker CLI in PATH"
	exit 0
fi
lp_start
lp_baseline
export DOCKER_CONFIG=$LP_DIR/docker-config

session() {
	local sock=$1
	D() { timeout -k 5 30 docker -H "unix://$sock" "$@" 2>&1; }
	A() { curl -s --unix-socket "$sock" "http://x$1"; echo; }
	D rm -f lpn1 lpn2 lpn3 >/dev/null 2>&1
	D network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
	D network ls -f driver=null --format '{{.Name}}'
	D network ls -f type=builtin -q | wc -l
	D network ls -f type=custom -q | wc -l
	D network ls -f dangling=true -q | wc -l
	D network ls -f name=ho --format '{{.Name}}'
	D network ls -f bad=1
	D network ls -f type=x
	D run -d --name lpn1 --network none busybox sleep 60 >/dev/null
	D run -d --name lpn2 --network host busybox sleep 60 >/dev/null
	D create --name lpn3 --network none busybox true >/dev/null
	A /networks/none | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["Name"], d["Driver"], d["IPAM"], d["ConfigFrom"],
      sorted(v["Name"] for v in d["Containers"].values()),
      all(len(v["EndpointID"]) == 64 for v in d["Containers"].values()))
print(sorted(d))'
	D network inspect -f '{{.Name}} {{len .Containers}}' host
	D network inspect nosuch
	A '/networks/none?scope=swarm'
	for c in lpn1 lpn2 lpn3; do
		A "/containers/$c/json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["NetworkSettings"]
n = list(s["Networks"].items())
print(d["HostConfig"]["NetworkMode"], sorted(s), n[0][0],
      len(n[0][1]["NetworkID"]), len(n[0][1]["EndpointID"]), sorted(n[0][1]))'
	done
	D ps -a -f network=none --format '{{.Names}}' | sort
	D ps -a -f network=host --format '{{.Names}} {{.Networks}}'
	D ps -a -f "network=$(D network inspect -f '{{.Id}}' none | cut -c1-8)" --format '{{.Names}}'
	D stop -t 0 lpn1 >/dev/null
	D inspect -f '{{len .NetworkSettings.Networks.none.NetworkID}} {{len .NetworkSettings.Networks.none.EndpointID}}' lpn1
	D network inspect -f '{{len .Containers}}' none
	D volume ls -q | wc -l
	D volume inspect nosuch
	D volume ls -f dangling=x
	D volume ls -f bad=1
	D plugin ls --format '{{.Name}}' | wc -l
	D plugin ls -f enabled=maybe
	D plugin ls -f bad=1
	D plugin inspect nosuch
	D rm -f lpn1 lpn2 lpn3 >/dev/null
}
mask() { sed -E 's/[0-9a-f]{64}/ID/g; s/[0-9a-f]{12}/SHORT/g'; }

lp_step "the session against logpouchd"
ours=$(session "$LP_SOCK" | mask)
printf '%s\n' "$ours" >"$LP_DIR/ours.txt"
lp_contains "$ours" "host host local"
lp_contains "$ours" "none null local"
lp_contains "$ours" "['lpn1'] True"
lp_contains "$ours" "Error response from daemon: Invalid filter 'bad'"
lp_contains "$ours" "Error response from daemon: network nosuch not found"
lp_contains "$ours" "get nosuch: no such volume"
lp_contains "$ours" "Error response from daemon: Invalid filter 'enabled=[maybe]'"
lp_contains "$ours" 'Error response from daemon: plugin "nosuch" not found'
lp_contains "$ours" "host 1"
lp_contains "$ours" "none"
lp_contains "$ours" "64 0"

lp_step "network ids are the same after a restart"
before=$(curl -s --unix-socket "$LP_SOCK" http://x/networks | lp_json '" ".join(n["Id"] for n in d)')
lp_stop
lp_start
lp_eq "$(curl -s --unix-socket "$LP_SOCK" http://x/networks | lp_json '" ".join(n["Id"] for n in d)')" \
	"$before" "ids kept"

if [ -n "${LP_REF_SOCK:-}" ] && [ -S "$LP_REF_SOCK" ]; then
	lp_step "the same session against the reference dockerd"
	ref=$(session "$LP_REF_SOCK" | mask)
	printf '%s\n' "$ref" >"$LP_DIR/ref.txt"
	diff "$LP_DIR/ref.txt" "$LP_DIR/ours.txt" ||
		lp_fail "logpouchd and dockerd print differently (above: < dockerd, > logpouchd)"
else
	lp_log "no reference dockerd (LP_REF_SOCK unset): comparison skipped"
fi

lp_at_baseline
lp_stop
lp_log "PASS"
