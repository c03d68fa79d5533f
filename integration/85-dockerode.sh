#!/usr/bin/env bash
# dockerode, the Node.js Docker client, unmodified against logpouchd:
# integration/dockerodeclient.js makes the calls its users make (ping,
# version, listContainers filters, create/start/wait/logs with
# demuxStream, docker.run attached, follow and events streams destroyed
# mid-stream, exec with a hijacked stdin, inspect, remove, 404s) and checks
# each answer as dockerd 20.10 gives it; a destroyed stream must give its
# tasks and fds back. dockerode is the version pinned in
# integration/dockerode/package-lock.json, installed once with `npm ci`
# into the build tree. With LP_REF_SOCK=/path/docker.sock (a dockerd
# 20.10, /work/shared/tools/dockerd-reference.sh) the same checks run
# against it first, which is how the expectations were taken.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")" && pwd)
NODE_DIR=${LP_BUILDDIR:-$SRC/../build}/node-dockerode

lp_step "node and npm are there (scripts/deps.sh installs them)"
command -v node >/dev/null || lp_fail "no node in PATH: run scripts/deps.sh"
command -v npm >/dev/null || lp_fail "no npm in PATH: run scripts/deps.sh"

lp_step "dockerode installed from the lock file, once"
mkdir -p "$NODE_DIR"
(
	flock 9
	if ! cmp -s "$SRC/dockerode/package-lock.json" "$NODE_DIR/package-lock.json" ||
		[ ! -f "$NODE_DIR/node_modules/dockerode/package.json" ]; then
		cp "$SRC/dockerode/package.json" "$SRC/dockerode/package-lock.json" "$NODE_DIR/"
		# No install scripts: dockerode needs none (ssh2's optional
		# native parts are for SSH transports).
		timeout 300 npm ci --prefix "$NODE_DIR" --ignore-scripts --no-audit \
			--no-fund --loglevel=error >&2 ||
			{ rm -f "$NODE_DIR/package-lock.json"; exit 1; }
	fi
) 9>"$NODE_DIR/.lock" || lp_fail "npm ci of dockerode (is the npm registry reachable?)"
export NODE_PATH=$NODE_DIR/node_modules
ver=$(node -p 'require("dockerode/package.json").version')
lp_log "dockerode $ver, node $(node -v)"
lp_eq "$ver" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dependencies"]["dockerode"])' "$SRC/dockerode/package.json")" "installed dockerode version"

client() { timeout -k 5 240 node "$SRC/dockerodeclient.js" "$@"; }

if [ -n "${LP_REF_SOCK:-}" ] && [ -S "$LP_REF_SOCK" ]; then
	lp_step "the same checks against the reference dockerd"
	client "$LP_REF_SOCK" "lpit-marker-$$" ref v1.41 >"$LP_DIR/ref.out" ||
		{ cat "$LP_DIR/ref.out" >&2; lp_fail "dockerode against the reference"; }
	lp_log "reference: $(tail -n 1 "$LP_DIR/ref.out")"
fi

lp_start
lp_baseline

# dockerode's default (unversioned paths, served as our newest version),
# then with version: 'v1.41', where every answer must be dockerd 20.10's.
for v in "" v1.41; do
	lp_step "dockerode's calls against logpouchd${v:+, $v}"
	client "$LP_SOCK" "lpit-marker-$$" lp $v >"$LP_DIR/lp.out" ||
		{ cat "$LP_DIR/lp.out" >&2; lp_fail "dockerode against logpouchd ${v:-unversioned}"; }
	lp_log "logpouchd ${v:-unversioned}: $(grep -c '^ok' "$LP_DIR/lp.out") checks, $(tail -n 1 "$LP_DIR/lp.out")"
done

lp_step "after the client left, all it held is given back"
lp_released 1000

lp_step "shutdown is clean"
lp_stop
