#!/usr/bin/env bash
# Six followers (three fast, three slow) of a container printing 1..N with
# a tiny max-size: a follower that keeps up gets every line once and in
# order whatever the rotation; a slow one gets every line or is told, in
# band, how many entries it lost (received + skipped = N). Sizes can be
# set as "N:max-size:max-file ..." in ROT_SIZES.
. "$(dirname "$0")/lib.sh"
SIZES=${ROT_SIZES:-"300000:100k:3 100000:1k:2 1000000:1m:3"}
lp_start
lp_baseline
i=0
for size in $SIZES; do
	IFS=: read -r n ms mf <<<"$size"
	i=$((i + 1))
	lp_step "N=$n max-size $ms max-file $mf"
	# The container prints only once every follower is attached (an exec
	# creates the go file), so a loaded machine cannot make a follower
	# miss lines that rotated away before it connected. The runtime does
	# not matter here; the process runtime's exec shares the file.
	go=/tmp/lpit-rot-go-$$-$i
	body=$(python3 -c 'import json,sys; print(json.dumps({"Image":"busybox","Cmd":["sh","-c","while [ ! -e %s ]; do sleep 0.05; done; rm -f %s; seq 1 %s" % (sys.argv[4], sys.argv[4], sys.argv[1])],"HostConfig":{"Runtime":"logpouch-process","LogConfig":{"Type":"json-file","Config":{"max-size":sys.argv[2],"max-file":sys.argv[3]}}}}))' "$n" "$ms" "$mf" "$go")
	lp_api "/containers/create?name=rot$i" -X POST \
		-H 'Content-Type: application/json' -d "$body" >/dev/null
	lp_start_container "rot$i"
	streams0=$(lp_api /debug/vars | lp_json 'd["streams"]')
	python3 "$(dirname "$0")/rotclient.py" "$LP_SOCK" "rot$i" "$n" "${ROT_FAST:-3}" "${ROT_SLOW:-3}" 120 \
		>"$LP_DIR/res$i" &
	client=$!
	want=$((streams0 + ${ROT_FAST:-3} + ${ROT_SLOW:-3}))
	lp_until 20000 eval '[ "$(lp_api /debug/vars | lp_json "d[\"streams\"]")" -ge $want ]' ||
		lp_fail "the followers did not attach"
	exec_id=$(lp_api "/containers/rot$i/exec" -X POST -H 'Content-Type: application/json' \
		-d "{\"Cmd\":[\"touch\",\"$go\"]}" | lp_json 'd["Id"]')
	lp_api "/exec/$exec_id/start" -X POST -H 'Content-Type: application/json' \
		-d '{"Detach":true}' >/dev/null
	start=$(date +%s.%N)
	wait "$client" || rc=$?
	lp_log "N=$n max-size $ms max-file $mf: $(python3 -c 'import sys; print("%.1f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$(date +%s.%N)")"
	sed 's/^/  /' "$LP_DIR/res$i" >&2
	[ "${rc:-0}" = 0 ] || [ -z "${ROT_KEEP_LOG:-}" ] || cp "$LP_LOG" "$ROT_KEEP_LOG"
	[ "${rc:-0}" = 0 ] || lp_fail "N=$n max-size $ms max-file $mf: a follower lost lines"
	lp_wait_exit "rot$i" >/dev/null
	lost=$((${lost:-0} + $(sed -n 's/.*skipped \([0-9]*\) in.*/\1/p' "$LP_DIR/res$i" | awk '{ s += $1 } END { print s + 0 }')))
done
lp_step "the losses told are the ones counted"
lp_eq "$(lp_api /debug/vars | lp_json 'd["log_follow_lost_entries"]')" "$lost" \
	"log_follow_lost_entries in /debug/vars"
lp_released 500
lp_stop
lp_log ok
