#!/bin/bash
# Runs scripts/slurm/submit-sweep.sh on a real one-node Slurm cluster (Debian's
# slurm-wlm and munge, started here on localhost with their own config, key and
# ports) and checks that the merged result of the 3-task array equals the
# unsharded sweep. Exit 77 (CTest: skipped) when Slurm or munge is not installed
# or we are not root (slurmd must run as root); any other failure is a failure.
# Usage: slurm_array_test.sh SOURCE_DIR GPUFLEET_BINARY WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd); gpufleet=$(readlink -f "$2"); work=$3
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "SKIPPED: $tool not installed (apt-get install slurm-wlm munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: slurmd needs root"; exit 77; }
[ -e "$src/../shared/data/NASA-iPSC-1993-3.1-cln.swf.gz" ] || { echo "SKIPPED: ../shared/data is missing"; exit 77; }
export PATH=$PATH:/usr/sbin

rm -rf "$work"; mkdir -p "$work"/{munge,spool,state,log}
work=$(cd "$work" && pwd)
chmod 711 "$work/munge"
pids=()
# Waits for a condition (a shell command) to hold, polling, for at most $1 seconds: a generous bound
# for daemons starting on a slow or loaded machine, never an assumption about how fast they start.
wait_for() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
gone() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait_for 30 gone || for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# munge with its own key and socket.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1 count=1024 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" \
  --foreground > "$work/munge/munged.out" 2>&1 &
pids+=($!)
wait_for 120 test -S "$work/munge/munge.sock" || { echo "munged did not start in 120 s"; cat "$work/munge/munged.log"; exit 1; }

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
cat > "$work/slurm.conf" <<CONF
ClusterName=gpufleet-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
slurm_up() { sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; }
if ! wait_for 300 slurm_up; then
  echo "Slurm did not come up in 300 s; sinfo says: $(sinfo 2>&1 | tail -2)"
  tail -20 "$work/log/slurmctld.log" "$work/log/slurmd.log" "$work"/log/*.out 2>/dev/null
  exit 1
fi
echo "slurm up: $(sinfo -h -o '%P %D %t %c CPUs')"

# The sweep: 3 backfill policies x 2 seeds of the stressed NASA replay (6 runs, 3 shards).
cat > "$work/sweep.json" <<SPEC
{"scenario": "$src/scenarios/nasa-ipsc-stress.json",
 "vary": {"/scheduling/backfill/policy": ["none", "easy", "conservative"]},
 "seeds": 2}
SPEC
"$src/scripts/slurm/submit-sweep.sh" --wait "$work/sweep.json" "$work/slurm-out" 3 "$gpufleet"
squeue -h | wc -l | grep -qx 0 || { echo "jobs still queued:"; squeue; exit 1; }
for i in 1 2 3; do
  [ -f "$work/slurm-out/shard-$i/sweep.json" ] || { echo "shard $i produced nothing"; cat "$work/slurm-out/shard-$i.log"; exit 1; }
done
"$gpufleet" sweep "$work/sweep.json" --out "$work/unsharded" --quiet
# Equal but for the two columns that measure this machine (wall time, memory).
strip() { cut -d, -f1-$(($(head -1 "$1" | tr ',' '\n' | wc -l) - 2)) "$1"; }
if ! diff <(strip "$work/unsharded/compare.csv") <(strip "$work/slurm-out/merged/compare.csv"); then
  echo "FAIL: merged Slurm array result differs from the unsharded sweep"; exit 1
fi
rows=$(($(wc -l < "$work/unsharded/compare.csv") - 1))
[ "$rows" -eq 6 ] || { echo "FAIL: expected 6 runs, found $rows"; exit 1; }
echo "ok: 3-task Slurm array, merged = unsharded ($rows runs)"
