#!/usr/bin/env bash
# Bind mounts under the OCI runtime as Docker's mounts tests check them,
# with the reference dockerd's answers: inspect's Mounts (their Type,
# Source, Mode, RW and Propagation), NonRecursive leaves the
# mounts below the source out, a slave bind sees what the host mounts
# later, a shared one lets the container's mounts out to the host, and a
# bind of the daemon's own root must be rslave (its default) or rshared.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
lp_start
lp_baseline
lp_docker_cli
src=$LP_DIR/src
mkdir -p "$src/mnt" "$LP_DIR/other"
echo seen >"$LP_DIR/other/file"
# lp_cleanup unmounts whatever a failure leaves mounted under $LP_DIR.

lp_step "inspect's Mounts, as dockerd shows the same create"
D create --name mt -v "$src:/a:ro" -v "$src:/b" \
	--mount "type=bind,src=$src,dst=/c,readonly" \
	--mount "type=bind,src=$src,dst=/d,bind-propagation=rslave" \
	--mount type=tmpfs,dst=/e --tmpfs /f busybox true >/dev/null
# Sorted by destination: the CLI sends -v binds in Go's map order.
sorted_mounts() { python3 -c 'import json, sys; print(json.dumps(sorted(json.load(sys.stdin), key=lambda m: m["Destination"]), separators=(",", ":")))'; }
lp_eq "$(D inspect -f '{{json .Mounts}}' mt | sorted_mounts)" \
	"$(sorted_mounts <<<"[{\"Type\":\"bind\",\"Source\":\"$src\",\"Destination\":\"/c\",\"Mode\":\"\",\"RW\":false,\"Propagation\":\"rprivate\"},{\"Type\":\"bind\",\"Source\":\"$src\",\"Destination\":\"/d\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"rslave\"},{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/e\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"},{\"Type\":\"bind\",\"Source\":\"$src\",\"Destination\":\"/a\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"},{\"Type\":\"bind\",\"Source\":\"$src\",\"Destination\":\"/b\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"rprivate\"}]")" \
	"Mounts"
lp_eq "$(lp_api '/containers/json?all=1' | lp_json '[len(c["Mounts"]) for c in d]')" "[5]" "the list's Mounts"
id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Binds\":[\"$src:/y\",\"$src:/x\"],\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/z\"}]}}" | lp_json 'd["Id"]')
lp_eq "$(lp_api /containers/$id/json | lp_json '[m["Destination"] for m in d["Mounts"]]')" \
	"['/z', '/y', '/x']" "Mounts first, then Binds as given"
D rm "$id" >/dev/null
D rm mt >/dev/null

lp_step "NonRecursive: what is mounted below the source stays out"
mount --bind "$LP_DIR/other" "$src/mnt"
D run --rm --mount "type=bind,src=$src,dst=/foo" busybox test -f /foo/mnt/file || lp_fail "a recursive bind hides the mount below"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' -d "{\"Image\":\"busybox\",\"Cmd\":[\"test\",\"!\",\"-f\",\"/foo/mnt/file\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"$src\",\"Target\":\"/foo\",\"BindOptions\":{\"NonRecursive\":true}}]}}" |
	lp_json 'd["Id"]' | xargs -I{} sh -c "curl -s -X POST --unix-socket $LP_SOCK http://x/containers/{}/start; curl -s -X POST --unix-socket $LP_SOCK http://x/containers/{}/wait" |
	lp_json 'd["StatusCode"]')" 0 "non-recursive bind"
umount "$src/mnt"

lp_step "slave and shared propagation"
mount --bind "$src" "$src"
mount --make-shared "$src"
D run -d --name slave --mount "type=bind,src=$src,dst=/v,bind-propagation=slave" busybox sleep 60 >/dev/null
mount --bind "$LP_DIR/other" "$src/mnt"
lp_eq "$(D exec slave cat /v/mnt/file)" seen "a host mount reached the slave"
umount "$src/mnt"
D rm -f slave >/dev/null
D run --rm --privileged --mount "type=bind,src=$src,dst=/v,bind-propagation=shared" busybox mount --bind /v/mnt /v/mnt
grep -q " $src/mnt " /proc/self/mountinfo || lp_fail "a shared bind's mount did not reach the host"
umount "$src/mnt"
umount "$src"

lp_step "the daemon's root: rslave by default, private refused"
root=$(lp_api /info | lp_json 'd["DockerRootDir"]')
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Binds\":[\"$root:/foo:private\"]}}")" \
	"{\"message\":\"invalid mount config: must use either propagation mode \\\"rslave\\\" or \\\"rshared\\\" when mount source is within the daemon root, daemon root: \\\"$root\\\", bind mount source: \\\"$root\\\", propagation: \\\"private\\\"\"}" \
	"a private bind of the root"
lp_eq "$(lp_status POST /containers/create -H 'Content-Type: application/json' \
	-d "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"$root\",\"Target\":\"/foo\",\"BindOptions\":{\"Propagation\":\"shared\"}}]}}")" \
	400 "a shared mount of the root"
D create --name rootsub -v "$root/containers:/foo" busybox true >/dev/null
lp_eq "$(D inspect -f '{{(index .Mounts 0).Propagation}}' rootsub)" rslave "default below the root"
D rm rootsub >/dev/null
lp_released 2000
