#!/usr/bin/env bash
# docker system df, docker ps -s and the prune endpoints through the docker
# CLI, as dockerd 20.10 answers them (the texts were taken from the
# reference dockerd): df counts images, containers and their writable
# layers, ?type= (1.42) picks kinds; container prune
# removes stopped containers only, filtered by label, label! and until
# (read by the daemon: "1h", dates, unix times), and says what its layers
# weighed; image prune removes dangling images, -a every image no
# container uses, untagging first; network, volume and build prune find
# nothing to remove here and still check their filters; docker system
# prune runs them all. Each prune sends its event; nothing is left behind.
. "$(dirname "$0")/lib.sh"
if ! command -v docker >/dev/null 2>&1; then
	lp_log "SKIP: no docker CLI in PATH"
	exit 0
fi
lp_start
lp_baseline
lp_docker_cli
names() { D ps -a --format '{{.Names}}' | sort | paste -sd' '; }
tags() { D images --format '{{.Repository}}:{{.Tag}}' | sort | paste -sd' '; }
q() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

lp_step "container prune: the stopped ones go, the running one stays"
D run --name p-done busybox sh -c 'dd if=/dev/zero of=/f bs=1k count=100 2>/dev/null'
D create --name p-created busybox true >/dev/null
D run -d --name p-up busybox sleep 60 >/dev/null
D run --name p-kept -l keep=yes busybox true
# The written file is all an overlay's upper layer holds; a vfs copy
# weighs the whole root, as dockerd's vfs does.
overlay=$(lp_api /info | lp_json 'd["Driver"] == "overlay2"')
lp_step "docker system df and docker ps -s: what the layers weigh"
df=$(D system df)
lp_contains "$df" "Images          1         1"
lp_contains "$df" "Containers      4         1"
lp_contains "$df" "Local Volumes   0         0         0B        0B"
[ "$overlay" = False ] || {
	lp_contains "$df" "102.4kB   102.4kB (100%)"
	lp_contains "$(D ps -as --format '{{.Names}} {{.Size}}')" "p-done 102kB (virtual"
}
lp_eq "$(lp_api /v1.41/system/df | lp_json '[d["LayersSize"] == d["Images"][0]["Size"], d["Images"][0]["Containers"], d["Volumes"], d["BuildCache"], d["BuilderSize"]]')" \
	"[True, 4, [], None, 0]" "df's shape"
lp_eq "$(lp_api '/v1.43/system/df?type=container' | lp_json '[d["Images"], len(d["Containers"]), d["Volumes"], "BuilderSize" in d]')" \
	"[None, 4, None, False]" "type=container"
lp_eq "$(lp_api '/v1.43/system/df?type=disk')" '{"message":"unknown object type: disk"}' "bad type"
lp_step "container prune: what it removes"
events=$LP_DIR/events
curl -s -N -m 20 --unix-socket "$LP_SOCK" 'http://x/events?filters=%7B%22event%22%3A%5B%22prune%22%5D%7D' >"$events" &
ev=$!
lp_until 2000 lp_tasks_is api.events_subscribe 1 || lp_fail "no events subscriber"
out=$(D container prune -f --filter 'label!=keep')
lp_contains "$out" "Deleted Containers:"
[ "$overlay" = False ] || lp_contains "$out" "Total reclaimed space: 102.4kB"
lp_eq "$(names)" "p-kept p-up" "what is left"
lp_step "container prune: until and label filters"
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"until":["1h"]}')" -X POST)" \
	'{"ContainersDeleted":null,"SpaceReclaimed":0}' "nothing older than an hour"
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"label":["keep=no"]}')" -X POST)" \
	'{"ContainersDeleted":null,"SpaceReclaimed":0}' "no label match"
id=$(D inspect -f '{{.Id}}' p-kept)
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"label":["keep=yes"],"until":["2100-01-01"]}')" -X POST)" \
	"{\"ContainersDeleted\":[\"$id\"],\"SpaceReclaimed\":0}" "label and a date"
lp_step "container prune: dockerd's errors"
lp_eq "$(lp_status POST "/containers/prune?filters=$(q '{"foo":["x"]}')")" 400 "unknown filter"
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"foo":["x"]}')" -X POST)" \
	"{\"message\":\"Invalid filter 'foo'\"}" "unknown filter text"
lp_eq "$(lp_status POST "/containers/prune?filters=$(q '{"until":["yesterday"]}')")" 500 "bad until"
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"until":["2026-13-01"]}')" -X POST)" \
	'{"message":"parsing time \"2026-13-01\": month out of range"}' "bad date"
lp_eq "$(lp_api "/containers/prune?filters=$(q '{"until":["1h","2h"]}')" -X POST)" \
	'{"message":"more than one until filter specified"}' "two untils"

lp_step "image prune: dangling only, then -a keeps what a container uses"
D tag busybox:latest p-img:one
: | tar -cf - --files-from /dev/null | D import -c 'LABEL v=1' - p-dang:1 >/dev/null
: | tar -cf - --files-from /dev/null | D import -c 'LABEL v=2' - p-dang:1 >/dev/null
lp_eq "$(D images -q --filter dangling=true | wc -l)" 1 "one dangling image"
out=$(D image prune -f)
lp_contains "$out" "deleted: sha256:"
lp_eq "$(D images -q --filter dangling=true | wc -l)" 0 "no dangling image left"
lp_eq "$(lp_api "/images/prune?filters=$(q '{"dangling":["maybe"]}')" -X POST)" \
	"{\"message\":\"Invalid filter 'dangling=[maybe]'\"}" "bad dangling"
out=$(D image prune -af)
lp_contains "$out" "untagged: p-dang:1"
# dockerd untags a used image's references in order until one is left
# (the last cannot go while a container uses it): busybox:latest goes.
lp_eq "$(tags)" "p-img:one" "the image p-up uses stays, with its last tag"
lp_eq "$(D inspect -f '{{.Image}}' p-up)" "$(D images -q --no-trunc)" "the same image"

lp_step "network, volume and build prune: nothing to remove, filters checked"
lp_eq "$(lp_api /networks/prune -X POST)" '{"NetworksDeleted":null}' "networks"
lp_eq "$(lp_api /volumes/prune -X POST)" '{"VolumesDeleted":[],"SpaceReclaimed":0}' "volumes"
lp_eq "$(lp_api /build/prune -X POST)" '{"CachesDeleted":null,"SpaceReclaimed":0}' "build cache"
lp_eq "$(lp_api "/build/prune?filters=$(q '{"until":["1d"]}')" -X POST)" \
	'{"message":"failed to prune build cache: \"until\" filter expects a duration (e.g., '"'"'24h'"'"'): time: unknown unit \"d\" in duration \"1d\""}' "build until"
lp_eq "$(lp_status POST "/networks/prune?filters=$(q '{"driver":["x"]}')")" 400 "network filter"

lp_step "docker system prune runs them all"
D run --name p-last p-img:one true
out=$(D system prune -f)
lp_contains "$out" "Total reclaimed space:"
lp_eq "$(names)" "p-up" "after system prune"

lp_step "each prune sent its event"
kill $ev 2>/dev/null; wait $ev 2>/dev/null || true
lp_eq "$(python3 -c '
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(sorted({e["Type"] for e in seen})))' "$events")" \
	"container image network volume" "event types"
[ "$overlay" = False ] ||
	lp_contains "$(head -n 1 "$events")" '"Actor":{"ID":"","Attributes":{"reclaimed":"102400"}}'

lp_step "nothing left behind"
D rm -f p-up >/dev/null
lp_released 1000
lp_stop
