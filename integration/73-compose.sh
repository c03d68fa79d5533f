#!/usr/bin/env bash
# docker-compose (Debian's 1.29, through docker-py) against logpouchd: up -d
# of a two-service project (network_mode none and host), ps, logs, a
# follow that the user interrupts, down; a service that waits for another
# to be healthy (depends_on: condition: service_healthy). Everything it
# opened is released.
. "$(dirname "$0")/lib.sh"
if ! command -v docker-compose >/dev/null 2>&1; then
	lp_log "SKIP: no docker-compose in PATH"
	exit 0
fi
lp_start
lp_baseline
export DOCKER_HOST=unix://$LP_SOCK DOCKER_CONFIG=$LP_DIR/docker-config
mkdir -p "$LP_DIR/proj"
cat >"$LP_DIR/proj/docker-compose.yml" <<'YML'
version: "3.7"
services:
  web:
    image: busybox
    network_mode: none
    labels:
      tier: front
    command: sh -c 'i=0; while true; do i=$$((i+1)); echo web $$i; sleep 0.2; done'
  worker:
    image: busybox
    network_mode: host
    environment:
      ROLE: worker
    command: sh -c 'echo worker is $$ROLE; exec sleep 1000'
YML
C() { (cd "$LP_DIR/proj" && timeout -k 5 60 docker-compose -p lpc "$@"); }

lp_step "up -d creates and starts both services"
C up -d >"$LP_DIR/up" 2>&1 || lp_fail "up -d: $(cat "$LP_DIR/up")"
out=$(C ps)
lp_contains "$out" "lpc_web_1"
lp_contains "$out" "lpc_worker_1"
lp_eq "$(grep -c ' Up ' <<<"$out")" 2 "services up in ps"
lp_eq "$(curl -s --unix-socket "$LP_SOCK" http://x/containers/lpc_web_1/json | lp_json 'd["Config"]["Labels"]["tier"]+" "+d["HostConfig"]["NetworkMode"]')" \
	"front none" "label and network mode"

lp_step "logs shows each service's output"
lp_until 5000 bash -c "cd '$LP_DIR/proj' && timeout 20 docker-compose -p lpc logs --no-color web | grep -q 'web 3'" ||
	lp_fail "web's lines: $(C logs --no-color web | tail -3)"
lp_contains "$(C logs --no-color worker)" "worker is worker"

lp_step "logs -f follows until the user stops it"
# Ctrl-C after 4 s, as a user would.
(cd "$LP_DIR/proj" && timeout -s INT -k 5 4 docker-compose -p lpc logs -f --no-color) >"$LP_DIR/follow" 2>&1 &
fpid=$!
sleep 1.5
n1=$(grep -c 'web_1 .* web ' "$LP_DIR/follow" || true)
sleep 1
n2=$(grep -c 'web_1 .* web ' "$LP_DIR/follow" || true)
[ "$n2" -gt "$n1" ] || lp_fail "the follow did not move: $n1 then $n2 lines"
wait "$fpid" 2>/dev/null || true
lp_log "follow saw $n2 lines of web, then was interrupted"

lp_step "down stops and removes everything"
C down -t 1 >"$LP_DIR/down" 2>&1 || lp_fail "down: $(cat "$LP_DIR/down")"
lp_eq "$(curl -s --unix-socket "$LP_SOCK" 'http://x/containers/json?all=1' | lp_json 'len(d)')" 0 "containers left"
lp_step "depends_on service_healthy waits for the healthcheck"
mkdir -p "$LP_DIR/hproj"
cat >"$LP_DIR/hproj/docker-compose.yml" <<'YML'
version: "2.4"
services:
  db:
    image: busybox
    network_mode: none
    command: sh -c 'sleep 1; touch /ready; exec sleep 1000'
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 200ms
      retries: 30
  app:
    image: busybox
    network_mode: none
    command: sleep 1000
    depends_on:
      db:
        condition: service_healthy
YML
H() { (cd "$LP_DIR/hproj" && timeout -k 5 60 docker-compose -p lph "$@"); }
H up -d >"$LP_DIR/hup" 2>&1 || lp_fail "up -d: $(cat "$LP_DIR/hup")"
lp_contains "$(H ps)" "Up (healthy)" "ps of the healthy service"
# db cannot pass before its sleep 1 ends: app must be created after that.
started=$(curl -s --unix-socket "$LP_SOCK" http://x/containers/lph_db_1/json | lp_json 'd["State"]["StartedAt"]')
created=$(curl -s --unix-socket "$LP_SOCK" http://x/containers/lph_app_1/json | lp_json 'd["Created"]')
python3 -c 'import sys
from datetime import datetime, timedelta
t = lambda s: datetime.fromisoformat(s[:26].rstrip("Z"))
sys.exit(t(sys.argv[2]) < t(sys.argv[1]) + timedelta(seconds=1))' "$started" "$created" ||
	lp_fail "app created at $created, db started at $started"
H down -t 1 >"$LP_DIR/hdown" 2>&1 || lp_fail "down: $(cat "$LP_DIR/hdown")"
lp_released 2000 daemon.healthcheck
lp_stop
lp_log ok
