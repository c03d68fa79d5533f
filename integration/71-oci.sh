#!/usr/bin/env bash
# The OCI runtimes (runc, crun) against busybox, once for each found: PID 1,
# hostname, user, -w/-e/-v, --read-only, --memory, --pids-limit, networks,
# pause/unpause, stop of a TERM-ignoring PID 1 (137), and that exit,
# removal, shutdown and a daemon crash leave no task, fd, mount, process or
# runtime state behind. Skips only where namespaces cannot be created.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
rts=() ran=()
for rt in runc crun; do command -v $rt >/dev/null && rts+=("$rt"); done
[ ${#rts[@]} -gt 0 ] || lp_fail "neither runc nor crun on PATH (scripts/deps.sh installs both)"
export DOCKER_CONFIG=$LP_DIR/docker-config
M="lpit-marker-$$"
lp_start
D() { timeout -k 5 30 docker -H "unix://$LP_SOCK" "$@"; }

lp_step "the default runtime is an OCI one; unknown runtimes and bridge are refused"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"]}' | lp_json 'd["Id"]' |
	xargs -I{} curl -s --unix-socket "$LP_SOCK" http://x/containers/{}/json |
	lp_json 'd["HostConfig"]["Runtime"]')" runc "default runtime"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Runtime":"nosuch"}}')" \
	'{"message":"Unknown runtime specified nosuch"}' "unknown runtime"
lp_eq "$(lp_status POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"bridge"}}')" 400 "bridge"

lp_step "docker version and docker info name the runtime's version and commit"
want=$(runc --version | sed -n 's/^runc version //p')
commit=$(runc --version | sed -n 's/^commit: //p')
lp_eq "$(lp_api /version | lp_json '[c["Name"] + " " + c["Version"] + " " + c["Details"]["GitCommit"] for c in d["Components"]][1:]')" \
	"['runc $want $commit']" "/version Components after the engine"
lp_eq "$(lp_api /info | lp_json 'd["RuncCommit"]')" \
	"{'ID': '$commit', 'Expected': '$commit'}" "/info RuncCommit"
lp_contains "$(D info 2>/dev/null)" "runc version: $commit"
lp_contains "$(D version 2>/dev/null)" " runc:"

# run RT JSON-EXTRA: creates from {"Image":"busybox", ...EXTRA, Runtime RT},
# starts, waits; prints "exit|stdout and stderr".
run() {
	local rt=$1 extra=$2 id body code
	body=$(python3 -c '
import json, sys
b = {"Image": "busybox", "Labels": {"m": sys.argv[3]}}
b.update(json.loads(sys.argv[2]))
b.setdefault("HostConfig", {})["Runtime"] = sys.argv[1]
print(json.dumps(b))' "$rt" "$extra" "$M")
	id=$(lp_api /containers/create -X POST -H 'Content-Type: application/json' -d "$body" | lp_json 'd["Id"]')
	code=$(lp_status POST "/containers/$id/start")
	[ "$code" = 204 ] || { echo "start $code: $(lp_api /containers/$id/json | lp_json 'd["State"]["Error"]')"; return; }
	code=$(lp_wait_exit "$id")
	printf '%s|%s' "$code" "$(lp_api "/containers/$id/logs?stdout=1&stderr=1" | lp_frames | sed 's/^[12]|//; s/\\n$//' | paste -sd' ')"
	lp_api "/containers/$id" -X DELETE >/dev/null
}

cg_file() {	# the limit file of controller $1 (v1 name) / $2 (v2 name)
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$2"; else echo "/sys/fs/cgroup/$1"; fi
}

for rt in "${rts[@]}"; do
	lp_step "$rt: can it run here at all?"
	probe=$(run "$rt" '{"Cmd":["true"]}')
	if [ "$probe" != "0|" ]; then
		lp_log "SKIP $rt: it cannot run a container on this machine: $probe"
		continue
	fi
	ran+=("$rt")
	lp_baseline

	lp_step "$rt: docker run -d: PID 1, the short id, root, busybox's /"
	id=$(D run -d --runtime "$rt" --label "m=$M" busybox sh -c 'echo $$; hostname; id -u; ls /')
	lp_eq "$(D wait "$id")" 0 "docker wait"
	lp_eq "$(D logs "$id" | tr '\n' ' ')" "1 ${id:0:12} 0 bin dev etc home proc root sys tmp var " "docker logs"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","hostname; cat /etc/hostname /proc/sys/kernel/domainname; echo $HOSTNAME"],"Hostname":"foobar","Domainname":"baz.example"}')" \
		"0|foobar foobar baz.example foobar" "-h and --domainname"
	D rm "$id" >/dev/null

	lp_step "$rt: -u, -w, -e"
	lp_eq "$(run "$rt" '{"User":"65534","Cmd":["id"]}')" "0|uid=65534(nobody) gid=65534(nogroup)" "-u 65534"
	lp_eq "$(run "$rt" '{"User":"daemon","Cmd":["id","-u"]}')" "0|1" "-u daemon"
	lp_contains "$(run "$rt" '{"User":"nosuch","Cmd":["id"]}')" "unable to find user nosuch: no matching entries in passwd file"
	lp_eq "$(run "$rt" '{"WorkingDir":"/made/for/you","Cmd":["pwd"]}')" "0|/made/for/you" "-w creates the directory"
	lp_eq "$(run "$rt" '{"Env":["FOO=bar baz"],"Cmd":["sh","-c","echo $FOO $HOSTNAME | wc -w; echo $HOME"]}')" "0|3 /root" "-e"

	lp_step "$rt: -v, --read-only, tmpfs"
	mkdir -p "$LP_DIR/vol-$rt"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","echo hi > /data/f; cat /data/f"],"HostConfig":{"Binds":["'"$LP_DIR/vol-$rt"':/data"]}}')" "0|hi" "-v"
	lp_eq "$(cat "$LP_DIR/vol-$rt/f")" hi "the host sees the bind's file"
	lp_contains "$(run "$rt" '{"Cmd":["sh","-c","echo x > /data/g"],"HostConfig":{"Binds":["'"$LP_DIR/vol-$rt"':/data:ro"]}}')" "Read-only file system"
	lp_contains "$(run "$rt" '{"Cmd":["touch","/x"],"HostConfig":{"ReadonlyRootfs":true}}')" "Read-only file system"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","touch /tmp/x && echo ok"],"HostConfig":{"ReadonlyRootfs":true,"Tmpfs":{"/tmp":"size=1m"}}}')" "0|ok" "--tmpfs on a read-only root"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","echo one > /f"]}' >/dev/null; run "$rt" '{"Cmd":["sh","-c","cat /f 2>&1"]}')" \
		"1|cat: can't open '/f': No such file or directory" "each container has its own root"

	lp_step "$rt: --memory, --pids-limit"
	lp_eq "$(run "$rt" '{"Cmd":["cat","'"$(cg_file memory/memory.limit_in_bytes memory.max)"'"],"HostConfig":{"Memory":67108864}}')" "0|67108864" "--memory 64m"
	lp_eq "$(run "$rt" '{"Cmd":["cat","'"$(cg_file pids/pids.max pids.max)"'"],"HostConfig":{"PidsLimit":20}}')" "0|20" "--pids-limit 20"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		lp_eq "$(run "$rt" '{"Cmd":["cat","/sys/fs/cgroup/cpu.max"],"HostConfig":{"NanoCpus":500000000}}')" "0|50000 100000" "--cpus 0.5"
	else
		lp_eq "$(run "$rt" '{"Cmd":["cat","/sys/fs/cgroup/cpu/cpu.cfs_quota_us","/sys/fs/cgroup/cpu/cpu.shares"],"HostConfig":{"NanoCpus":500000000,"CpuShares":512}}')" \
			"0|50000 512" "--cpus 0.5 --cpu-shares 512"
	fi

	lp_step "$rt: docker update: the running container's cgroup, the stored HostConfig, dockerd's refusals"
	D run -d --name "upd-$rt" --runtime "$rt" -m 200m -l "m=$M" busybox sleep 60 >/dev/null
	D update -m 300m --memory-swap 500m --pids-limit 32 --cpu-quota 15000 --restart on-failure:3 "upd-$rt" >/dev/null
	lp_eq "$(D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuQuota}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' "upd-$rt")" \
		"314572800 524288000 32 15000 on-failure:3" "stored"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		lp_eq "$(D exec "upd-$rt" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max | paste -sd' ')" "314572800 32" "applied"
	else
		lp_eq "$(D exec "upd-$rt" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us | paste -sd' ')" \
			"314572800 32 15000" "applied"
	fi
	D update --pids-limit -1 "upd-$rt" >/dev/null
	lp_eq "$(D inspect -f '{{.HostConfig.PidsLimit}}' "upd-$rt") $(D exec "upd-$rt" cat "$(cg_file pids/pids.max pids.max)")" "0 max" "limit lifted"
	lp_contains "$(D update --cpus 0.5 "upd-$rt" 2>&1)" "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set"
	lp_contains "$(D update -m 1000 "upd-$rt" 2>&1)" "Minimum memory limit allowed is 6MB"
	lp_contains "$(D update --restart bogus "upd-$rt" 2>&1)" "invalid restart policy 'bogus'"
	D rm -f "upd-$rt" >/dev/null
	D run -d --rm --name "updrm-$rt" --runtime "$rt" busybox sleep 60 >/dev/null
	lp_contains "$(D update --restart always "updrm-$rt" 2>&1)" "Restart policy cannot be updated because AutoRemove is enabled for the container"
	D rm -f "updrm-$rt" >/dev/null

	lp_step "$rt: MaskedPaths and ReadonlyPaths: dockerd's defaults, or the create's own"
	mnt='for p in /proc/timer_list /proc/keys /proc/bus; do tr [:space:] : </proc/self/mounts | grep -o :$p: | wc -l; done'
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","'"$mnt"'"]}')" "0|1 1 1" "defaults"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","'"$mnt"'"],"HostConfig":{"MaskedPaths":["/proc/keys"],"ReadonlyPaths":[]}}')" "0|0 1 0" "the create's own"

	lp_step "$rt: capabilities as dockerd's, Privileged, no-new-privileges"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status | tr -d \"\\t\""]}')" \
		"0|CapEff:00000000a80425fb NoNewPrivs:0" "default capabilities (dockerd's a80425fb)"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","grep NoNewPrivs /proc/self/status | tr -d \"\\t\""],"HostConfig":{"SecurityOpt":["no-new-privileges"]}}')" \
		"0|NoNewPrivs:1" "no-new-privileges"
	masked='n=$(grep -c \" /proc/keys \" /proc/self/mounts); echo masked=$n'
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","'"$masked"'"]}')" "0|masked=1" "/proc/keys masked"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","grep CapEff /proc/self/status | tr -d \"\\t\"; '"$masked"'"],"HostConfig":{"Privileged":true}}')" \
		"0|CapEff:$(sed -n 's/^CapBnd:\t//p' /proc/self/status) masked=0" "privileged: every capability we hold, nothing masked"
	lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Memory":1000}}')" \
		'{"message":"Minimum memory limit allowed is 6MB"}' "memory floor"

	lp_step "$rt: networks: none has only lo, host has the host's"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","ls /sys/class/net"]}')" "0|lo" "none"
	lp_eq "$(run "$rt" '{"Cmd":["sh","-c","ls /sys/class/net | wc -l; hostname"],"HostConfig":{"NetworkMode":"host"}}')" \
		"0|$(ls /sys/class/net | wc -l) $(hostname)" "host"

	lp_step "$rt: pause, unpause: dockerd's states and errors"
	id=$(D run -d --runtime "$rt" --label "m=$M" busybox sh -c 'while :; do echo tick; sleep 0.1; done')
	lp_eq "$(lp_status POST /containers/$id/pause)" 204 pause
	lp_eq "$(lp_api /containers/$id/json | lp_json '(d["State"]["Status"], d["State"]["Paused"], d["State"]["Running"])')" "('paused', True, True)" "paused state"
	[[ $(D ps --format '{{.Status}}') =~ ^Up\ .*\ \(Paused\)$ ]] || lp_fail "ps status: $(D ps --format '{{.Status}}')"
	n1=$(D logs "$id" | wc -l); sleep 0.5; n2=$(D logs "$id" | wc -l)
	lp_eq "$n2" "$n1" "no output while frozen"
	lp_eq "$(lp_api /containers/$id/pause -X POST)" "{\"message\":\"Container $id is already paused\"}" "pause twice"
	lp_eq "$(lp_status POST /containers/$id/unpause)" 204 unpause
	lp_eq "$(lp_api /containers/$id/unpause -X POST)" "{\"message\":\"Container $id is not paused\"}" "unpause twice"
	lp_eq "$(lp_status POST /containers/$id/unpause)" 500 "unpause status (dockerd's 500)"
	lp_eq "$(lp_status POST /containers/$id/pause)" 204 "pause for the kill"
	lp_eq "$(lp_status POST "/containers/$id/kill?signal=TERM")" 204 "kill TERM of a paused one"
	lp_eq "$(lp_status POST /containers/$id/unpause)" 204 "unpause after kill"
	lp_eq "$(lp_status POST /containers/$id/pause)" 204 "pause again"
	lp_eq "$(lp_status POST "/containers/$id/stop?t=1")" 204 "stop a paused container"
	lp_eq "$(lp_wait_exit "$id")" 137 "a paused container stops with SIGKILL"
	lp_eq "$(lp_api /containers/$id/pause -X POST)" "{\"message\":\"Container $id is not running\"}" "pause a stopped one"
	D rm "$id" >/dev/null

	lp_step "$rt: docker stop of a TERM-ignoring PID 1: 137; StopSignal honoured"
	id=$(D run -d --runtime "$rt" busybox sh -c 'trap "" TERM; echo up; while :; do sleep 0.1; done')
	lp_until 3000 sh -c "timeout -k 5 5 docker -H unix://$LP_SOCK logs $id | grep -q up" || lp_fail "not up"
	D stop -t 1 "$id" >/dev/null
	lp_eq "$(lp_wait_exit "$id")" 137 "stop"
	D rm "$id" >/dev/null
	id=$(D run -d --runtime "$rt" --stop-signal USR1 busybox sh -c 'trap "echo got USR1; exit 3" USR1; echo up; while :; do sleep 0.1; done')
	lp_until 3000 sh -c "timeout -k 5 5 docker -H unix://$LP_SOCK logs $id | grep -q up" || lp_fail "not up"
	D stop -t 5 "$id" >/dev/null
	lp_eq "$(lp_wait_exit "$id")" 3 "StopSignal USR1"
	D rm "$id" >/dev/null

	lp_step "$rt: exit and removal leave no task, fd, mount or runtime state"
	lp_until 3000 lp_at_baseline || lp_fail "tasks/fds not back at baseline"
	grep -q "$LP_DATA" /proc/self/mountinfo && lp_fail "a mount is left: $(grep "$LP_DATA" /proc/self/mountinfo)"
	lp_eq "$($rt --root "$LP_DATA/runtimes/$rt" list -q 2>/dev/null)" "" "$rt list"
done

lp_step "shutdown stops the running containers and leaves nothing"
id=$(D run -d --label "m=$M" busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done')
pid=$(lp_api /containers/$id/json | lp_json 'd["State"]["Pid"]')
kill -0 "$pid" || lp_fail "no init process $pid"
lp_stop
kill -0 "$pid" 2>/dev/null && lp_fail "container init $pid outlived the daemon"
grep -q "$LP_DATA" /proc/self/mountinfo && lp_fail "a mount is left after shutdown"
lp_eq "$(runc --root "$LP_DATA/runtimes/runc" list -q 2>/dev/null)" "" "runc list after shutdown"

lp_step "a daemon that died: its containers are killed on restart"
lp_start
id=$(D run -d --label "m=$M" busybox sh -c 'while :; do sleep 0.1; done')
pid=$(lp_api /containers/$id/json | lp_json 'd["State"]["Pid"]')
kill -KILL "$LP_PID"; wait "$LP_PID" 2>/dev/null || true; LP_PID=
kill -0 "$pid" || lp_fail "the container should outlive a SIGKILLed daemon"
lp_start
lp_until 3000 sh -c "! kill -0 $pid 2>/dev/null" || lp_fail "container $pid of the dead daemon still runs"
lp_eq "$(runc --root "$LP_DATA/runtimes/runc" list -q 2>/dev/null)" "" "runc list after restart"
lp_eq "$(lp_api /containers/$id/json | lp_json 'd["State"]["Status"]')" exited "restored as exited"
lp_api "/containers/$id" -X DELETE >/dev/null
grep -q "$LP_DATA" /proc/self/mountinfo && lp_fail "a mount is left after removal"
lp_stop
lp_log "PASS under: ${ran[*]:-no runtime} (found: ${rts[*]})"
