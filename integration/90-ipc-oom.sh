#!/usr/bin/env bash
# IPC modes, cpusets and the OOM killer under the OCI runtime, as Docker's
# own ipcmode and inspect tests check them, with the reference dockerd's
# words: none has no /dev/shm, private a tmpfs the host does not see,
# shareable one the host sees and another container can join
# (container:<donor>, kept by the donor's id), a private or stopped donor
# is refused at start, host shares the host's /dev/shm; a bad mode is
# refused at start, a bad cpuset or ShmSize at create; clients older than
# 1.40 get shareable by default; 1.19's inspect has Config.Cpuset. A
# container the OOM killer hits reports OOMKilled and an "oom" event
# before its "die"; every shm mount is gone after exit and nothing is
# left behind.
. "$(dirname "$0")/lib.sh"
lp_need_namespaces
lp_start
lp_baseline
lp_docker_cli
shm_dev() { D exec "$1" awk '($5 == "/dev/shm") {printf $3}' /proc/self/mountinfo; }
on_host() { awk -v mm="$1" '$3 == mm { found = 1 } END { exit !found }' /proc/self/mountinfo; }

lp_step "none: no /dev/shm at all"
D run -d --name ipc-none --ipc none busybox sleep 60 >/dev/null
lp_eq "$(shm_dev ipc-none)" "" "no /dev/shm mount"
lp_eq "$(D inspect -f '{{.HostConfig.IpcMode}}' ipc-none)" none "inspect"

lp_step "private (the default): a tmpfs of its own the host does not see"
D run -d --name ipc-priv busybox sleep 60 >/dev/null
mm=$(shm_dev ipc-priv)
[[ $mm =~ ^[0-9]+:[0-9]+$ ]] || lp_fail "private /dev/shm is '$mm'"
! on_host "$mm" || lp_fail "a private /dev/shm ($mm) is visible on the host"
lp_eq "$(D inspect -f '{{.HostConfig.IpcMode}}' ipc-priv)" private "default mode"

lp_step "shareable: on the host, joinable; a private donor is refused"
D run -d --name ipc-share --ipc shareable busybox sleep 60 >/dev/null
mm=$(shm_dev ipc-share)
[[ $mm =~ ^[0-9]+:[0-9]+$ ]] || lp_fail "shareable /dev/shm is '$mm'"
on_host "$mm" || lp_fail "a shareable /dev/shm ($mm) is not on the host"
D run -d --name ipc-join --ipc container:ipc-share busybox sleep 60 >/dev/null
D exec ipc-share sh -c 'printf covfefe > /dev/shm/bar'
lp_eq "$(D exec ipc-join cat /dev/shm/bar)" covfefe "the joiner sees the donor's file"
lp_eq "$(D exec ipc-join readlink /proc/self/ns/ipc)" \
	"$(D exec ipc-share readlink /proc/self/ns/ipc)" "one IPC namespace"
D create --name ipc-bad --ipc container:ipc-priv busybox true >/dev/null
priv=$(D inspect -f '{{.Id}}' ipc-priv)
lp_eq "$(D inspect -f '{{.HostConfig.IpcMode}}' ipc-bad)" "container:$priv" "the donor kept by its id"
lp_eq "$(lp_status POST /containers/ipc-bad/start)" 500 "a private donor's status"
lp_eq "$(lp_api /containers/ipc-bad/start -X POST)" \
	"{\"message\":\"can't join IPC of container $priv: non-shareable IPC (hint: use IpcMode:shareable for the donor container)\"}" \
	"a private donor"
D stop -t 0 ipc-priv >/dev/null
lp_eq "$(lp_api /containers/ipc-bad/start -X POST)" \
	"{\"message\":\"can't join IPC of container $priv: container $priv is not running\"}" \
	"a stopped donor"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"IpcMode":"container:nosuch"}}')" \
	'{"message":"No such container: nosuch"}' "an unknown donor at create"

lp_step "host: the host's /dev/shm"
D run -d --name ipc-host --ipc host busybox sleep 60 >/dev/null
D exec ipc-host sh -c "printf covfefe > /dev/shm/.lpit-$$"
lp_eq "$(cat /dev/shm/.lpit-$$)" covfefe "written on the host"
rm -f /dev/shm/.lpit-$$

lp_step "bad modes, sizes and cpusets, and the default of older clients"
# dockerd takes a bad mode at create and refuses it at start.
D create --name ipc-bogus --ipc bogus busybox true >/dev/null
lp_eq "$(lp_api /containers/ipc-bogus/start -X POST)" \
	'{"message":"Invalid IPC mode: bogus"}' "bad mode at start"
lp_eq "$(lp_status POST /containers/ipc-bogus/start)" 500 "its status"
D rm ipc-bogus >/dev/null
for hc in '{"CpusetCpus":"a"}' '{"CpusetCpus":"1-0"}' '{"CpusetCpus":"0-99"}'; do
	lp_eq "$(lp_status POST /containers/create -H 'Content-Type: application/json' \
		-d "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":$hc}")" 400 "$hc"
done
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"CpusetCpus":"a"}}')" \
	'{"message":"Invalid value a for cpuset cpus: invalid format: a"}' "cpuset syntax"
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"CpusetCpus":"0-999"}}')" \
	"{\"message\":\"Requested CPUs are not available - requested 0-999, available: $(cat /sys/devices/system/cpu/online)\"}" "cpuset range"
D run --name cpuset --cpuset-cpus 0 busybox grep Cpus_allowed_list /proc/self/status >"$LP_DIR/cpus"
lp_contains "$(cat "$LP_DIR/cpus")" "Cpus_allowed_list:	0"
lp_eq "$(lp_api /v1.19/containers/cpuset/json | lp_json 'd["Config"]["Cpuset"]')" 0 "1.19 shows Config.Cpuset"
lp_eq "$(lp_api /v1.41/containers/cpuset/json | lp_json '"Cpuset" in d["Config"]')" False "1.41 does not"
D rm cpuset >/dev/null
lp_eq "$(lp_api /containers/create -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"ShmSize":-1}}')" \
	'{"message":"SHM size can not be less than 0"}' "negative ShmSize"
for v in 1.39 1.40; do
	id=$(lp_api /v$v/containers/create -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{}}' | lp_json 'd["Id"]')
	lp_eq "$(lp_api /containers/$id/json | lp_json 'd["HostConfig"]["IpcMode"]')" \
		"$([ $v = 1.39 ] && echo shareable || echo private)" "API $v default"
	D rm "$id" >/dev/null
done
lp_eq "$(D run --rm --shm-size 1m busybox df -k /dev/shm | awk 'NR == 2 { print $2 }')" 1024 "--shm-size"

lp_step "the shm mounts go with the containers"
share_dir=$(lp_api /containers/ipc-share/json | lp_json 'd["LogPath"].rsplit("/", 1)[0]')
D rm -f ipc-join ipc-share ipc-host ipc-none ipc-priv ipc-bad >/dev/null
! grep -q "$share_dir/mounts/shm" /proc/self/mountinfo || lp_fail "shm still mounted"

lp_step "OOMKilled and the oom event"
events=$LP_DIR/events
curl -s -N -m 60 --unix-socket "$LP_SOCK" "http://x/events?since=$(date +%s)" >"$events" &
ev=$!
D run --name oom -m 8m busybox sh -c 'x=a; while true; do x=$x$x$x$x; done' && lp_fail "survived its memory limit"
lp_eq "$(D inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)" "true 137" "inspect"
lp_until 2000 grep -q '"status":"die"' "$events" || lp_fail "no die event"
lp_eq "$(python3 -c 'import json,sys; print(" ".join(e["status"] for e in map(json.loads, open(sys.argv[1])) if e.get("Type") == "container" and e.get("Actor", {}).get("Attributes", {}).get("name") == "oom" and e["status"] in ("oom", "die")))' "$events")" \
	"oom die" "oom before die"
kill $ev 2>/dev/null || true
wait $ev 2>/dev/null || true
D run --name oom-not -m 64m busybox true
lp_eq "$(D inspect -f '{{.State.OOMKilled}}' oom-not)" false "a container within its limit"
D rm oom oom-not >/dev/null
lp_released 2000
