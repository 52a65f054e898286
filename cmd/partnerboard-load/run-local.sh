#!/usr/bin/env bash
# run-local.sh: one load run against a fresh local server, as published in
# docs/benchmarks.md.
#
#   cmd/partnerboard-load/run-local.sh [load generator flags]
#
# It builds partnerboard and partnerboard-load, starts NODES servers (default
# one) on free loopback ports with empty data directories and the limits a
# load test must lift (SERVER_FLAGS), runs the load generator against them
# with -pid so the report includes each server's CPU and memory, then stops
# the servers with SIGTERM and removes the data directories. Everything it
# starts, it stops.
#
# Environment:
#   SERVER_FLAGS  extra server flags (default: lift the per-address limits,
#                 since every simulated client comes from 127.0.0.1)
#   NODES         how many servers to start; more than one needs cluster
#                 mode, e.g. SERVER_FLAGS="... -redis-url redis://127.0.0.1:6390/0
#                 -postgres-url postgres://..." (Redis and PostgreSQL are not
#                 started here)
#   PRIO          if set (e.g. -20), run in a new session whose scheduler
#                 autogroup has this nice value, so that other sessions on a
#                 shared machine get only the CPU the run leaves (root only)
#   PRIO_PIDS     with PRIO: process ids (space-separated) of services the
#                 run depends on, such as redis-server and the PostgreSQL
#                 postmaster; their autogroups get the same nice value for
#                 the run and their old one back at the end. Without it a
#                 cluster run starves Redis and PostgreSQL of CPU
#   OUT           directory for the server's log (default: a temp directory)
set -euo pipefail

if [[ -n "${PRIO:-}" && -z "${PB_PRIO_SET:-}" ]]; then
	export PB_PRIO_SET=1
	exec setsid bash -c 'echo "$PRIO" > /proc/self/autogroup && exec "$0" "$@"' "$0" "$@"
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
out=${OUT:-$work}
server_flags=${SERVER_FLAGS:-"-max-conns-per-ip 20000 -max-msgs-per-ip 1000000"}
nodes=${NODES:-1}
pids=()
restore_prio=()
cleanup() {
	for r in "${restore_prio[@]}"; do
		echo "${r#* }" >"/proc/${r%% *}/autogroup" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work/data" "$work/bin"
	[[ "$out" == "$work" ]] && rm -rf "$work"
	return 0
}
trap cleanup EXIT

for pid in ${PRIO:+${PRIO_PIDS:-}}; do
	old=$(sed -n 's/.* nice \(-\{0,1\}[0-9]*\)$/\1/p' "/proc/$pid/autogroup")
	restore_prio+=("$pid $old")
	echo "$PRIO" >"/proc/$pid/autogroup"
	echo "pid $pid: $(cat "/proc/$pid/autogroup") for the run (was nice $old)"
done

# 10,000 connections need 10,000 descriptors in each process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p "$work/bin" "$out"
(cd "$root" && go build -o "$work/bin/partnerboard" ./cmd/partnerboard && go build -o "$work/bin/partnerboard-load" ./cmd/partnerboard-load)

urls=""
for n in $(seq 1 "$nodes"); do
	mkdir -p "$work/data/$n"
	# shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
	"$work/bin/partnerboard" -addr 127.0.0.1:0 -data "$work/data/$n" $server_flags >"$work/server$n.out" 2>"$out/server$n.log" &
	pid=$!
	pids+=("$pid")
	url=""
	for _ in $(seq 1 100); do
		url=$(sed -n 's#^Partnerboard is running at \(http://[^/]*\)/$#\1#p' "$work/server$n.out")
		[[ -n "$url" ]] && break
		kill -0 "$pid" 2>/dev/null || { echo "server $n exited; see $out/server$n.log" >&2; exit 1; }
		sleep 0.1
	done
	[[ -n "$url" ]] || { echo "server $n did not start" >&2; exit 1; }
	echo "server $n: pid $pid at $url (autogroup: $(cat /proc/self/autogroup 2>/dev/null || echo n/a))"
	urls+=${urls:+,}$url
done

"$work/bin/partnerboard-load" -urls "$urls" -pid "$(IFS=,; echo "${pids[*]}")" "$@"
