#!/usr/bin/env bash
# docker cp (GET, HEAD and PUT /containers/{id}/archive) with the docker
# CLI, as the reference dockerd answers: out of a stopped and a running
# container, names rebased on the path's last element ("dir" and "dir/"
# alike, a symlink itself unless followed by a trailing "/"), the
# X-Docker-Container-Path-Stat header, into a stopped one (the next run
# sees it) and a running one; symlinks are followed inside the
# container's root, never out to the host's; dockerd's errors and
# statuses; nothing is left behind.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
lp_start
lp_baseline
lp_docker_cli
names() { D cp "$1" - | tar t | sort | paste -sd' '; }
stat_of() {
	curl -s -I --unix-socket "$LP_SOCK" "http://x/containers/$1/archive?path=$2" |
		tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //p' | base64 -d |
		lp_json '[d["name"], d["mode"], d["linkTarget"]]'
}

lp_step "out of a stopped container: names rebased as dockerd's"
D run --name cp1 busybox sh -c 'mkdir -p /bar/quux && echo world > /bar/quux/baz &&
	ln -s quux /bar/dirsymlink && ln -s / /bar/root && echo hello > /foo'
lp_eq "$(names cp1:/bar/quux)" "quux/ quux/baz" "a directory"
lp_eq "$(names cp1:/bar/quux/)" "quux/ quux/baz" "a directory with /"
lp_eq "$(names cp1:/bar/dirsymlink)" "dirsymlink" "a symlink itself"
lp_eq "$(names cp1:/bar/dirsymlink/)" "dirsymlink/ dirsymlink/baz" "a followed symlink"
lp_eq "$(D cp cp1:/bar/quux/baz - | tar xO)" world "a file's bytes"
lp_eq "$(D cp cp1:/bar/root/foo - | tar xO)" hello "through a symlink to /"
lp_eq "$(stat_of cp1 /bar/dirsymlink)" "['dirsymlink', 134218239, '/bar/quux']" "a symlink's stat"
lp_eq "$(stat_of cp1 /bar/quux)" "['quux', 2147484141, '']" "a directory's stat"

lp_step "symlinks stay inside the root"
D run --name cp2 busybox sh -c "ln -s / /up; mkdir -p $LP_DIR; ln -s $LP_DIR /out"
lp_eq "$(D cp cp2:/up/etc/passwd - | tar xO | md5sum)" \
	"$(D cp cp1:/etc/passwd - | tar xO | md5sum)" "/up/etc/passwd is the container's"
echo evil >"$LP_DIR/evil"
D cp "$LP_DIR/evil" cp2:/out/
[ ! -e "$LP_DIR/out" ] || lp_fail "wrote through a symlink onto the host"
lp_eq "$(D cp cp2:$LP_DIR/evil - | tar xO)" evil "landed in the container's own $LP_DIR"

lp_step "into a stopped and a running container"
mkdir -p "$LP_DIR/in/sub" && echo hi >"$LP_DIR/in/sub/f"
D cp "$LP_DIR/in" cp1:/tmp/
D create --name cp3 busybox cat /tmp/in/sub/f >/dev/null
D cp "$LP_DIR/in" cp3:/tmp/
lp_eq "$(D start -a cp3)" hi "the next run sees it"
D run -d --name cp4 busybox sleep 60 >/dev/null
D cp "$LP_DIR/in/sub/f" cp4:/f2
lp_eq "$(D exec cp4 cat /f2)" hi "a running container sees it"
D cp cp4:/f2 "$LP_DIR/f2"
lp_eq "$(cat "$LP_DIR/f2")" hi "and gives it back"

lp_step "errors, with dockerd's words and statuses"
lp_eq "$(lp_api '/containers/cp1/archive?path=/nosuch')" \
	'{"message":"Could not find the file /nosuch in container cp1"}' "missing"
lp_eq "$(lp_status GET '/containers/cp1/archive?path=/nosuch')" 404 "missing status"
lp_eq "$(curl -s -I --unix-socket "$LP_SOCK" 'http://x/containers/cp1/archive?path=/nosuch' | head -1 | tr -d '\r')" \
	"HTTP/1.1 404 Not Found" "HEAD of a missing path"
lp_eq "$(lp_api /containers/cp1/archive)" '{"message":"bad parameter: pathcannot be empty"}' "no path"
lp_eq "$(lp_status GET '/containers/cp1/archive?path=/foo/')" 500 "a file as a directory"
lp_contains "$(lp_api '/containers/cp1/archive?path=/foo/')" "/foo/: not a directory"
lp_eq "$(lp_api '/containers/cp1/archive?path=/foo' -X PUT --data-binary @/dev/null)" \
	'{"message":"extraction point is not a directory"}' "PUT onto a file"
lp_eq "$(lp_status PUT '/containers/cp1/archive?path=/nosuchdir' --data-binary @/dev/null)" 404 "PUT into nothing"
python3 -c '
import io, sys, tarfile
b = io.BytesIO(); t = tarfile.open(fileobj=b, mode="w")
i = tarfile.TarInfo("../escape"); i.size = 1; t.addfile(i, io.BytesIO(b"x")); t.close()
sys.stdout.buffer.write(b.getvalue())' >"$LP_DIR/bad.tar"
lp_eq "$(lp_status PUT '/containers/cp1/archive?path=/tmp' --data-binary @"$LP_DIR/bad.tar")" 400 "a .. entry"
tar cf "$LP_DIR/clash.tar" -C "$LP_DIR/in" sub
D run --name cp5 busybox sh -c 'touch /tmp/sub'
lp_eq "$(lp_status PUT '/containers/cp5/archive?path=/tmp&noOverwriteDirNonDir=1' --data-binary @"$LP_DIR/clash.tar")" \
	500 "noOverwriteDirNonDir"
id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Runtime":"logpouch-process"}}' | lp_json 'd["Id"]')
lp_eq "$(lp_status GET "/containers/$id/archive?path=/etc")" 501 "the process runtime"

D rm -f cp1 cp2 cp3 cp4 cp5 "$id" >/dev/null
lp_released 2000
