#!/usr/bin/env bash
# Images with the real docker CLI: import (with --change), images, image
# inspect, tag, save/load round trip, rmi refused while a container uses the
# image and then working, pull's error, create of a missing image. With a
# reference dockerd running (LP_REF_SOCK=/path/docker.sock, see
# ../shared/tools/dockerd-reference.sh) the same commands run there too and
# the outputs, ids masked, must be the same; our save must load there.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null 2>&1; then
	lp_log "SKIP: no docker CLI in PATH"
	exit 0
fi
lp_start
lp_baseline
export DOCKER_CONFIG=$LP_DIR/docker-config
src=${LP_SRCDIR:-$(dirname "$0")/..}
rootfs=$LP_DIR/rootfs.tar
bash "$src/scripts/busybox-image.sh" tar "$rootfs"
# One more file, so the layer is not the busybox fixture's (shared layers
# would stay when the image goes, and dockerd's busybox differs).
echo lp >"$LP_DIR/lp-marker"
tar -rf "$rootfs" -C "$LP_DIR" lp-marker

# The script both daemons answer; $1 is the socket. Ids are masked.
session() {
	local sock=$1 id
	D() { timeout -k 5 30 docker -H "unix://$sock" "$@" 2>&1; }
	D rmi -f lpt:1 lpt:2 >/dev/null 2>&1 || true
	sleep 1	# events are asked for by the second
	since=$(date +%s)
	id=$(D import -c 'CMD ["echo","from-image"]' -c 'ENV A=1' -m 'lp test' "$rootfs" lpt:1)
	echo "import: $id"
	D images lpt --format '{{.Repository}}:{{.Tag}} {{.Size}}'
	D image inspect -f '{{.RootFS.Type}} {{.RootFS.Layers}} {{.Comment}} {{json .Config.Cmd}} {{json .Config.Env}} {{.Os}} {{.Size}} {{.Parent}}|{{json .RepoDigests}}' lpt:1
	D tag lpt:1 lpt:2
	D images lpt --format '{{.Repository}}:{{.Tag}}' | sort
	D rmi lpt:2
	D save lpt:1 -o "$LP_DIR/save-$2.tar"
	D rmi lpt:1
	D load -i "$LP_DIR/save-$2.tar"
	D create --name lpt-user lpt:1 >/dev/null
	D rmi lpt:1
	D rmi "$id"
	D start lpt-user >/dev/null
	D wait lpt-user
	D logs lpt-user
	D run -d --name lpt-run lpt:1 sleep 30 >/dev/null
	D rmi -f "$id"
	D rm -f lpt-run lpt-user >/dev/null
	D rmi "$id"
	D image inspect lpt:1
	D create no-such-image:1 true | sed -n 1p || true
	sleep 1
	D events --since "$since" --until "$(date +%s)" --filter type=image \
		--format 'event: {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
}
mask() { sed -E 's/[0-9a-f]{64}/ID/g; s/[0-9a-f]{12}/SHORT/g'; }

lp_step "the session against logpouchd"
ours=$(session "$LP_SOCK" lp | mask)
printf '%s\n' "$ours" >"$LP_DIR/ours.txt"
lp_contains "$ours" "import: sha256:ID"
lp_contains "$ours" "lpt:1 1.98MB"
lp_contains "$ours" 'layers [sha256:ID] lp test ["echo","from-image"] ["A=1"] linux'
lp_contains "$ours" "Loaded image: lpt:1"
lp_contains "$ours" 'Error response from daemon: conflict: unable to remove repository reference "lpt:1" (must force) - container SHORT is using its referenced image SHORT'
lp_contains "$ours" "Error response from daemon: conflict: unable to delete SHORT (must be forced) - image is being used by stopped container SHORT"
lp_contains "$ours" "Error response from daemon: conflict: unable to delete SHORT (cannot be forced) - image is being used by running container SHORT"
lp_contains "$ours" "from-image"
lp_contains "$ours" "Untagged: lpt:1"
lp_contains "$ours" "Deleted: sha256:ID"
lp_contains "$ours" "Error response from daemon: no such image: lpt:1: No such image: lpt:1"
lp_contains "$ours" "Unable to find image 'no-such-image:1' locally"
lp_eq "$(grep '^event: ' <<<"$ours" | tr '\n' '|')" \
	"event: tag sha256:ID lpt:1|event: import sha256:ID sha256:ID|event: tag sha256:ID lpt:2|event: untag sha256:ID sha256:ID|event: save sha256:ID sha256:ID|event: untag sha256:ID sha256:ID|event: delete sha256:ID sha256:ID|event: load sha256:ID sha256:ID|event: untag sha256:ID sha256:ID|event: delete sha256:ID sha256:ID|" \
	"image events"

lp_step "the layer is the tarball, byte for byte"
mkdir -p "$LP_DIR/x"
tar -C "$LP_DIR/x" -xf "$LP_DIR/save-lp.tar"
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$LP_DIR/x/manifest.json")
cmp "$LP_DIR/x/$layer" "$rootfs" || lp_fail "saved layer differs from the import"
lp_eq "$(sha256sum <"$rootfs" | cut -c1-64)" "${layer%%/*}" "diff_id = sha256 of the tar"

lp_step "save, load, save again: the same config and layer"
D() { timeout -k 5 30 docker -H "unix://$LP_SOCK" "$@"; }
D load -i "$LP_DIR/save-lp.tar" >/dev/null
D save lpt:1 -o "$LP_DIR/again.tar"
mkdir -p "$LP_DIR/y"
tar -C "$LP_DIR/y" -xf "$LP_DIR/again.tar"
for f in $(cd "$LP_DIR/x" && find . -name '*.json' ! -name manifest.json -o -name layer.tar); do
	cmp "$LP_DIR/x/$f" "$LP_DIR/y/$f" || lp_fail "$f changed in a save/load round trip"
done

lp_step "docker pull answers the registry error, not a 404"
code=$(lp_status POST "/images/create?fromImage=busybox&tag=latest")
lp_eq "$code" 500 "pull status"
lp_contains "$(D pull busybox 2>&1)" 'Error response from daemon: Get "https://registry-1.docker.io/v2/": '

lp_step "the image's Cmd, Env and WorkingDir reach the container"
D import -c 'CMD ["sh","-c","echo $A $B; pwd"]' -c 'ENV A=img B=img' -c 'WORKDIR /tmp' "$rootfs" lpt:cfg >/dev/null
D run -d --name cfg1 lpt:cfg >/dev/null
D run -d --name cfg2 -e B=user lpt:cfg >/dev/null
D run -d --name cfg3 --entrypoint echo lpt:cfg given >/dev/null
lp_eq "$(D wait cfg1) $(D wait cfg2) $(D wait cfg3)" "0 0 0" "exits"
lp_eq "$(D logs cfg1 | tr '\n' ' ')" "img img /tmp " "image config"
lp_eq "$(D logs cfg2 | tr '\n' ' ')" "img user /tmp " "Env merged by key"
lp_eq "$(D logs cfg3)" "given" "an Entrypoint drops the image's Cmd"
lp_eq "$(D inspect -f '{{.Config.Image}} {{.Image}}' cfg1)" \
	"lpt:cfg $(D image inspect -f '{{.Id}}' lpt:cfg)" "Image and Config.Image"
D rm cfg1 cfg2 cfg3 >/dev/null
D rmi lpt:cfg >/dev/null

lp_step "export: the container's root as a tar, importable again"
D import "$rootfs" lpt:exp >/dev/null
D run --name exp1 lpt:exp sh -c 'echo made >/made' >/dev/null
D export exp1 -o "$LP_DIR/exp1.tar"
names=$(tar -tf "$LP_DIR/exp1.tar")
lp_contains "$names" "bin/busybox" "export has the image's files"
lp_contains "$names" "made" "export has what the container wrote"
D import "$LP_DIR/exp1.tar" lpt:exp2 >/dev/null
lp_eq "$(D run --rm lpt:exp2 cat /made)" "made" "the export imports and runs"
D run -d --name exp3 lpt:exp sh -c 'echo live >/live; sleep 30' >/dev/null
for _ in $(seq 50); do D exec exp3 test -f /live && break; sleep 0.1; done
lp_contains "$(D export exp3 | tar -t)" "live" "a running container exports its live root"
D rm -f exp3 >/dev/null
lp_eq "$(D export nosuch 2>&1)" \
	"Error response from daemon: No such container: nosuch" "export of no container"

lp_step "rename"
esince=$(date +%s)
D rename exp1 exp1b
lp_eq "$(D inspect -f '{{.Name}}' exp1b)" "/exp1b" "renamed"
D create --name exp4 lpt:exp true >/dev/null
lp_contains "$(D rename exp1b exp4 2>&1)" \
	'Error when allocating new name: Conflict. The container name "/exp4" is already in use' \
	"rename to a taken name"
lp_contains "$(D rename exp1b exp1b 2>&1)" \
	"Error response from daemon: Renaming a container with the same name as its current name" \
	"rename to its own name"
lp_eq "$(D events --since "$esince" --until "$(($(date +%s) + 1))" --filter event=rename \
	--format '{{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}')" \
	"exp1b /exp1" "rename event"
D rm exp1b exp4 >/dev/null
D rmi lpt:exp lpt:exp2 >/dev/null

if [ -n "${LP_REF_SOCK:-}" ] && [ -S "$LP_REF_SOCK" ]; then
	lp_step "the same session against the reference dockerd"
	ref=$(session "$LP_REF_SOCK" ref | mask)
	printf '%s\n' "$ref" >"$LP_DIR/ref.txt"
	diff "$LP_DIR/ref.txt" "$LP_DIR/ours.txt" ||
		lp_fail "logpouchd and dockerd print differently (above: < dockerd, > logpouchd)"
	lp_step "dockerd loads our save"
	lp_contains "$(timeout -k 5 30 docker -H "unix://$LP_REF_SOCK" load -i "$LP_DIR/save-lp.tar")" "Loaded image: lpt:1"
	timeout -k 5 30 docker -H "unix://$LP_REF_SOCK" rmi lpt:1 >/dev/null
else
	lp_log "no reference dockerd (LP_REF_SOCK unset): comparison skipped"
fi

lp_at_baseline
lp_stop
lp_log "PASS"
