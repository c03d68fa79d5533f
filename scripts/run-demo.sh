#!/usr/bin/env bash
# Runs logpouchd in the foreground on ./run/logpouch.sock with a demo
# container that prints a line every second, and the log viewer on
# UI=127.0.0.1:8099 (docs/ui.md; UI= turns it off). Ctrl-C stops the daemon,
# which stops the container, ends open streams and exits.
set -euo pipefail
bin=${1:-build/logpouchd}
top=$(pwd)
mkdir -p "$top/run"
sock=$top/run/logpouch.sock
ui=${UI-127.0.0.1:8099}
"$bin" --debug --log-level info -H "unix://$sock" --data-root "$top/run/data" \
	${ui:+--ui "$ui"} &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
api() { curl -fsS --unix-socket "$sock" "$@"; }
for _ in $(seq 1 100); do
	api http://x/_ping >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { wait $pid; exit 1; }
	sleep 0.1
done
# The demo container needs an image: busybox from busybox-static.
"$top/scripts/busybox-image.sh" import "$sock"
if ! api http://x/containers/demo/json >/dev/null 2>&1; then
	api -X POST -H 'Content-Type: application/json' \
		'http://x/containers/create?name=demo' -d '{"Image":"busybox",
		"Cmd":["sh","-c","i=0; while true; do i=$((i+1)); echo \"demo line $i\"; sleep 1; done"]}' \
		>/dev/null
fi
api -X POST http://x/containers/demo/start >/dev/null || true
cat <<MSG

logpouchd is running (pid $pid) with a container named "demo".
MSG
[ -n "$ui" ] && cat <<MSG

  Open http://$ui/ui/#f=demo in a browser to follow it (the log viewer).
MSG
cat <<MSG

Try:

  curl --unix-socket $sock 'http://x/containers/demo/logs?stdout=1&follow=1&tail=5'
  curl -m 3 --unix-socket $sock 'http://x/v1.24/containers/demo/logs?stdout=1&follow=1'
  curl -s --unix-socket $sock 'http://x/debug/pprof/goroutine?debug=2' | grep -A 10 logs_container
  docker -H unix://$sock run --rm busybox sh -c 'echo \$\$; hostname; id -u'
  docker -H unix://$sock logs -f --tail 5 --timestamps demo
  docker -H unix://$sock ps -a
  docker -H unix://$sock stats --no-stream demo

Ctrl-C stops the daemon.

MSG
wait $pid
