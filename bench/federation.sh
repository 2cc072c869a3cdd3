#!/usr/bin/env bash
# Issue #12 item 5's cost check: what the federation (the national queue, and staging as SimGrid Comms)
# costs. Five member clusters of 52,000 GPUs at five sites (260,000 GPUs), each with a local Poisson
# load of 80,000 jobs a year; a federated workload of JOBS jobs homed at c0 (academia), with 50 GB of
# input data per job (lognormal, sigma 1), 100 Gbit/s uplinks, a 400 Gbit/s backbone. Runs the same
# scenario under the policies none (no dispatch away, no transfer), home_first and most_lendable, and
# without a federation at all (the federated workload as an ordinary one at c0), three rounds
# interleaved. Figures: docs/performance.md, "Federation".
#   bash bench/federation.sh [BUILD_DIR] [JOBS=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${2:-100000}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target gpufleet > /dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$jobs" <<'PY'
import json, sys
work, jobs = sys.argv[1], int(sys.argv[2])
ops, wls = [], []
for i in range(5):
    ops.append({"id": f"op{i}", "sites": [{"id": "s", "clusters": [
        {"id": f"c{i}", "gpu_model": "g", "nodes": 6500, "gpus_per_node": 8}]}]})
    wls.append({"id": f"local{i}", "cluster": f"c{i}", "kind": "synthetic", "count": 80000,
                "arrival": {"process": "poisson", "rate_per_hour": 80000 / 8760},
                "gpus": {"dist": "discrete", "values": [1, 8, 64, 512, 4096], "weights": [40, 30, 20, 8, 2]},
                "duration_s": {"dist": "lognormal", "median": 30000, "sigma": 1.5}})
wls.append({"id": "academia", "cluster": "c0", "kind": "synthetic", "count": jobs, "federated": True,
            "arrival": {"process": "poisson", "rate_per_hour": jobs / 8760},
            "gpus": {"dist": "discrete", "values": [1, 8, 64, 512], "weights": [40, 40, 15, 5]},
            "duration_s": {"dist": "lognormal", "median": 100000, "sigma": 1.5},
            "input_gb": {"dist": "lognormal", "median": 50, "sigma": 1}})
base = {"format_version": 1, "name": "federation-bench", "seed": 1, "start": "2027-01-01", "horizon_days": 365,
        "gpu_models": [{"id": "g"}], "operators": ops, "workloads": wls,
        "outputs": {"timeseries_interval_s": 86400}}
for policy in ("none", "home_first", "most_lendable"):
    doc = dict(base)
    doc["federation"] = {"policy": {"policy": policy}, "members": [f"c{i}" for i in range(5)],
                         "network": {"backbone_gbps": 400, "latency_ms": 5, "uplink_gbps": 100}}
    json.dump(doc, open(f"{work}/{policy}.json", "w"))
plain = json.loads(json.dumps(base))
del plain["workloads"][-1]["federated"], plain["workloads"][-1]["input_gb"]
json.dump(plain, open(f"{work}/no-federation.json", "w"))
PY
echo "# $(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $jobs federated jobs"
for run in 1 2 3; do
  for s in no-federation none home_first most_lendable; do
    "$build/gpufleet" run "$work/$s.json" --out "$work/out-$s" -q --no-report
    python3 - "$work/out-$s" "$s" <<'PY'
import json, sys
out, name = sys.argv[1], sys.argv[2]
r, s = json.load(open(f"{out}/run.json")), json.load(open(f"{out}/summary.json"))
f = s.get("federation", {})
st = f.get("staging", {})
aca = next(w for w in s["workloads"] if w["id"] == "academia")
print(f"{name:14s} wall_s={r['wall_time_s']:.2f} peak_mib={r['peak_memory_mib']:.0f} events={s['run']['events_processed']} "
      f"away={f.get('away', 0)} transfers={st.get('transfers', 0)} staging_s_mean={st.get('staging_s_mean')} "
      f"academia_wait_mean_h={aca['wait_s']['mean'] / 3600:.2f}")
PY
  done
done
