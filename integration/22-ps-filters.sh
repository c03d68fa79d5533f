#!/usr/bin/env bash
# docker ps --filter/-n/-l against logpouchd, compared line for line with
# what dockerd 20.10.24 answered for the same five containers (captured
# with /work/shared/tools/dockerd-reference.sh): labels, status, exited,
# name regexps, before/since, ancestor, health, is-task, network, limit,
# id prefixes, and dockerd's 400/500 answers for bad names and values.
. "$(dirname "$0")/lib.sh"
command -v docker >/dev/null || { lp_log "no docker CLI: skipped"; exit 0; }
lp_start
export DOCKER_HOST=unix://$LP_SOCK

lp_step "five containers as in the dockerd capture"
run() { docker run -d --network none "$@" >/dev/null; }
run --name p1 -l env=prod -l tier=web -l m=lpit-marker-$$ busybox sh -c 'exit 3'
run --name p2 -l env=dev -l m=lpit-marker-$$ busybox sh -c 'sleep 300'
docker create --network none --name p3 busybox:latest true >/dev/null
run --name p4 -l env=prod -l m=lpit-marker-$$ busybox sh -c 'exit 0'
run --name p5 -l m=lpit-marker-$$ busybox sh -c 'sleep 300'
lp_until 3000 test "$(docker ps -a --filter status=exited -q | wc -l)" = 2 ||
	lp_fail "p1 and p4 did not exit"
p2=$(docker inspect -f '{{.Id}}' p2 | cut -c1-6)

lp_step "every query answers as dockerd did"
q() {
	echo "== $*"
	docker ps --format '{{.Names}} {{.State}}' "$@" 2>&1 |
		sed 's/^Error response from daemon: //' || true
}
{
	q
	q -a
	q -n 2
	q -l
	q -a --filter label=env=prod
	q -a --filter label=env
	q --filter label=env
	q -a --filter status=exited
	q --filter status=exited
	q -a --filter status=created
	q -a --filter status=running --filter status=created
	q -a --filter exited=3
	q -a --filter exited=0
	q -a --filter exited=0 --filter exited=3
	q -a --filter name=p
	q -a --filter name=^p[12]$
	q -a --filter name=/p1
	q -a --filter before=p3
	q -a --filter since=p3
	q --filter since=p1
	q -a --filter before=p4 --filter since=p1
	q -a --filter ancestor=busybox
	q -a --filter ancestor=busybox:latest
	q -a --filter ancestor=docker.io/library/busybox
	q -a --filter ancestor=alpine
	q -a --filter health=none
	q -a --filter health=healthy
	q -a --filter health=bogus
	q -a --filter status=bogus
	q -a --filter bogus=1
	q -a --filter exited=x
	q -a --filter before=nope
	q -a --filter is-task=false
	q -a --filter is-task=true
	q -a --filter is-task=maybe
	q -a --filter isolation=default
	q -a --filter volume=/x
	q -a --filter network=none
	q -a -n 1 --filter label=env=prod
	q -n 3 --filter status=running
	q -a --filter publish=80
	q -a --filter publish=1:2
	q -a --filter id=$p2
	q -a --filter id=$p2 --filter name=p2
	q -a --filter id=$p2 --filter name=p1
	q -a --filter name=p1 --filter name=p4
} | sed "s/$p2/ID2PREFIX/" >"$LP_DIR/got"
cat >"$LP_DIR/want" <<'WANT'
== 
p5 running
p2 running
== -a
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -n 2
p5 running
p4 exited
== -l
p5 running
== -a --filter label=env=prod
p4 exited
p1 exited
== -a --filter label=env
p4 exited
p2 running
p1 exited
== --filter label=env
p2 running
== -a --filter status=exited
p4 exited
p1 exited
== --filter status=exited
p4 exited
p1 exited
== -a --filter status=created
p3 created
== -a --filter status=running --filter status=created
p5 running
p3 created
p2 running
== -a --filter exited=3
p1 exited
== -a --filter exited=0
p4 exited
== -a --filter exited=0 --filter exited=3
p4 exited
p1 exited
== -a --filter name=p
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter name=^p[12]$
p2 running
p1 exited
== -a --filter name=/p1
p1 exited
== -a --filter before=p3
p2 running
p1 exited
== -a --filter since=p3
p5 running
p4 exited
== --filter since=p1
p5 running
p2 running
== -a --filter before=p4 --filter since=p1
p3 created
p2 running
== -a --filter ancestor=busybox
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter ancestor=busybox:latest
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter ancestor=docker.io/library/busybox
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter ancestor=alpine
== -a --filter health=none
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter health=healthy
== -a --filter health=bogus
Unrecognised filter value for health: bogus
== -a --filter status=bogus
Invalid filter 'status=bogus'
== -a --filter bogus=1
Invalid filter 'bogus'
== -a --filter exited=x
strconv.Atoi: parsing "x": invalid syntax
== -a --filter before=nope
no such container nope
== -a --filter is-task=false
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter is-task=true
== -a --filter is-task=maybe
Invalid filter 'is-task=[maybe]'
== -a --filter isolation=default
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a --filter volume=/x
== -a --filter network=none
p5 running
p4 exited
p3 created
p2 running
p1 exited
== -a -n 1 --filter label=env=prod
p4 exited
== -n 3 --filter status=running
p5 running
p2 running
== -a --filter publish=80
== -a --filter publish=1:2
filter for 'publish' should not contain ':': 1:2
== -a --filter id=ID2PREFIX
p2 running
== -a --filter id=ID2PREFIX --filter name=p2
p2 running
== -a --filter id=ID2PREFIX --filter name=p1
== -a --filter name=p1 --filter name=p4
p4 exited
p1 exited
WANT
diff "$LP_DIR/want" "$LP_DIR/got" >&2 || lp_fail "docker ps differs from dockerd"

lp_step "the API's own errors: limit, filters JSON"
lp_eq "$(lp_api '/containers/json?limit=x')" \
	'{"message":"strconv.Atoi: parsing \"x\": invalid syntax"}' limit
lp_eq "$(lp_status GET '/containers/json?limit=x')" 500 "limit status"
lp_eq "$(lp_api '/containers/json?filters=%7B%22a%22%3A%7B%22b%22%3A1%7D%7D')" \
	'{"message":"json: cannot unmarshal number into Go value of type bool"}' \
	"filters JSON"
map='%7B%22name%22%3A%7B%22p2%22%3Atrue%7D%7D'
lp_eq "$(lp_api "/containers/json?filters=$map" | lp_json 'len(d)')" \
	1 "the map form"
lp_eq "$(lp_api '/containers/json?limit=-1' | lp_json 'len(d)')" 2 "limit=-1"
for n in p1 p2 p3 p4 p5; do docker rm -f $n >/dev/null; done
lp_stop
lp_log ok
