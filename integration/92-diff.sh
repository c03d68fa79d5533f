#!/usr/bin/env bash
# docker diff (GET /containers/{id}/changes) under both storage drivers,
# overlay2 and vfs (--storage-driver): null for a container that changed
# nothing (the runtime's own mount points are not its changes), then
# each path added, modified or deleted with dockerd's kinds, a parent
# before its children and a directory with changes below it modified;
# 404 for an unknown container, 501 under the process runtime, which
# gives a container no root of its own; an unknown driver stops the
# daemon at start.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
lp_docker_cli
# The changes as a set, and whether every parent came before its children
# (the order within a directory is the file system's).
changes() {
	lp_api "/containers/$1/changes" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if d is None:
    print("null"); sys.exit()
seen, ok = set(), True
for c in d:
    parent = c["Path"].rsplit("/", 1)[0]
    ok &= parent == "" or parent in seen
    seen.add(c["Path"])
print(ok, sorted((c["Path"], c["Kind"]) for c in d))'
}
want="True [('/bin', 0), ('/bin/zcat', 2), ('/etc', 0), ('/etc/passwd', 0), ('/foo', 1), ('/foo/bar', 1), ('/tmp', 0), ('/tmp/a', 1), ('/tmp/a/b', 1), ('/tmp/a/b/c', 1)]"

for driver in overlay2 vfs; do
	if [ $driver = vfs ]; then
		lp_stop
		LP_DATA=$LP_DIR/data-vfs
	fi
	lp_start --storage-driver $driver
	lp_baseline
	lp_step "$driver: the driver is the one asked for"
	lp_eq "$(lp_api /info | lp_json 'd["Driver"]')" $driver "/info Driver"

	lp_step "$driver: nothing changed, nothing to show"
	D create --name d0 busybox true >/dev/null
	lp_eq "$(lp_api /containers/d0/changes)" null "never started"
	D start -a d0
	lp_eq "$(lp_api /containers/d0/changes)" null "ran true"

	lp_step "$driver: added, modified, deleted"
	D run --name d1 busybox sh -c 'mkdir /foo; echo xyzzy > /foo/bar; echo x >> /etc/passwd; rm /bin/zcat; mkdir -p /tmp/a/b; touch /tmp/a/b/c'
	lp_eq "$(changes d1)" "$want" "the changes"
	lp_eq "$(D diff d1 | sort | paste -sd' ')" \
		"A /foo A /foo/bar A /tmp/a A /tmp/a/b A /tmp/a/b/c C /bin C /etc C /etc/passwd C /tmp D /bin/zcat" \
		"docker diff"
	D run -d --name d2 busybox sh -c 'echo live > /live; sleep 60' >/dev/null
	lp_until 3000 sh -c "curl -s --unix-socket $LP_SOCK http://x/containers/d2/changes | grep -q /live" ||
		lp_fail "a running container's change"

	lp_step "$driver: errors"
	lp_eq "$(lp_status GET /containers/nosuch/changes)" 404 "unknown container"
	id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Runtime":"logpouch-process"}}' | lp_json 'd["Id"]')
	lp_eq "$(lp_status GET /containers/$id/changes)" 501 "the process runtime"
	D rm -f d0 d1 d2 "$id" >/dev/null
	lp_released 2000
done

lp_step "an unknown storage driver stops the daemon at start"
out=$("$LOGPOUCHD" --storage-driver zfs -H "unix://$LP_DIR/other.sock" \
	--data-root "$LP_DIR/other" 2>&1) && lp_fail "started with zfs"
lp_contains "$out" 'unsupported storage driver "zfs": overlay2 or vfs'
