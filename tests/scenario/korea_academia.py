#!/usr/bin/env python3
"""Issue #12's acceptance for scenarios/korea-academia-10pct.json: 10 % of each firm's GPUs lent to
academia and start-ups through a national queue (most_lendable), with reclaim. It runs the scenario
and the same scenario with the federation policy `none` (every job stays at home: no lending, the
same quotas) and checks
  - academia's and the start-ups' mean wait once their clusters are 90 % online (wait_steady_s) is
    lower with lending than without;
  - on every firm cluster, at every sample of tenants.csv: the national tenants hold no more than the
    firm's tenants lend (the sum of their lending limits), and for each firm tenant the GPUs the
    others hold leave it at least nominal - lending limit (what it can always have);
  - conservation per tenant: the tenants' GPU-hours sum to the fleet's busy GPU-hours, each tenant's
    jobs are each in exactly one state, and in tenants.csv the tenants' GPUs in use on a cluster equal
    the cluster's busy GPUs in timeseries.csv at every sample;
  - the report has a tenants chart per operator.
Usage: korea_academia.py GPUFLEET_BINARY SOURCE_DIR WORK_DIR"""
import collections
import concurrent.futures
import csv
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "cli"))
from testlib import check, finish  # noqa: E402

binary, source, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
scenario_path = source / "scenarios" / "korea-academia-10pct.json"


def run(args):
    name, extra = args
    out = work / name
    subprocess.run([binary, "run", str(scenario_path), "--out", str(out), "-q"] + extra, check=True)
    return name, out


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    dirs = dict(pool.map(run, [("lending", []), ("no-lending", ["--set", "/federation/policy/policy=none"])]))
summary = {n: json.loads((d / "summary.json").read_text()) for n, d in dirs.items()}
scenario = json.loads(scenario_path.read_text())
national = ("academia", "startups")

# 1. Waits: lending shortens the national tenants' steady-state waits.
for t in national:
    with_l = summary["lending"]["tenants"][t]["wait_steady_s"]["mean"]
    without = summary["no-lending"]["tenants"][t]["wait_steady_s"]["mean"]
    check(with_l < without, f"{t}: steady-state mean wait {without / 3600:.2f} h without lending -> "
          f"{with_l / 3600:.2f} h with it")
away = summary["lending"]["federation"]["away"]
check(away > 0 and summary["no-lending"]["federation"]["away"] == 0,
      f"jobs sent away from home: {away} with lending, 0 without")

# 2. What the firms keep, at every sample, on every firm cluster.
quotas = {}  # cluster -> {tenant: (nominal, lending limit)}
gpus = {}
for o in scenario["operators"]:
    for s in o["sites"]:
        for c in s["clusters"]:
            gpus[c["id"]] = c["nodes"] * c["gpus_per_node"]
            if o["id"] != "public":
                quotas[c["id"]] = {q["tenant"]: (q["nominal_gpus"], q.get("lending_limit_gpus", q["nominal_gpus"]))
                                   for q in c["quotas"]["tenants"]}
for name, d in dirs.items():
    used = collections.defaultdict(dict)  # (t, cluster) -> {tenant: used}
    with open(d / "tenants.csv") as f:
        for r in csv.DictReader(f):
            used[(r["t_s"], r["cluster"])][r["tenant"]] = int(r["used_gpus"])
    bad_lent, bad_kept, samples = [], [], 0
    for (t, c), by_tenant in used.items():
        if c not in quotas:
            continue
        samples += 1
        firm = {k: v for k, v in quotas[c].items() if k not in national}
        lendable = sum(lim for _, lim in firm.values())
        held_national = sum(by_tenant.get(k, 0) for k in national)
        if held_national > lendable:
            bad_lent.append((t, c, held_national, lendable))
        total = sum(by_tenant.values())
        for k, (nominal, limit) in firm.items():
            if gpus[c] - (total - by_tenant.get(k, 0)) < nominal - limit:
                bad_kept.append((t, c, k))
    check(samples > 1000 and not bad_lent, f"{name}: national tenants hold at most what the firms lend, at all "
          f"{samples} firm-cluster samples" + (f" (first breach: {bad_lent[0]})" if bad_lent else ""))
    check(not bad_kept, f"{name}: every firm tenant can always have nominal - lending limit"
          + (f" (first breach: {bad_kept[0]})" if bad_kept else ""))
    peak = max((sum(v.get(k, 0) for k in national), c) for (t, c), v in used.items() if c in quotas)
    print(f"   {name}: the national tenants' peak on one firm cluster: {peak[0]} GPUs on {peak[1]}")

    # 3. Conservation per tenant.
    s = summary[name]
    tenants_gpu_h = sum(te["gpu_hours"] for te in s["tenants"].values())
    check(abs(tenants_gpu_h - s["total"]["gpu_hours"]) <= 1e-6 * s["total"]["gpu_hours"],
          f"{name}: tenants' GPU-hours {tenants_gpu_h:.0f} = busy GPU-hours {s['total']['gpu_hours']:.0f}")
    states_ok = all(te["jobs"]["submitted"] == sum(te["jobs"][k] for k in ("completed", "running", "queued",
                                                                             "rejected"))
                    for te in s["tenants"].values())
    submitted = sum(te["jobs"]["submitted"] for te in s["tenants"].values())
    check(states_ok and submitted == s["total"]["jobs"]["submitted"],
          f"{name}: every one of the {submitted} jobs is in exactly one state, by tenant")
    busy = {}
    with open(d / "timeseries.csv") as f:
        for r in csv.DictReader(f):
            busy[(r["t_s"], r["cluster"])] = int(r["busy_gpus"])
    mismatch = [k for k, v in used.items() if sum(v.values()) != busy.get(k)]
    check(len(used) == len(busy) and not mismatch,
          f"{name}: tenants.csv's GPUs in use = timeseries.csv's busy GPUs at all {len(busy)} samples"
          + (f" (first mismatch: {mismatch[0]})" if mismatch else ""))

report = (dirs["lending"] / "report.html").read_text()
missing = [o["id"] for o in scenario["operators"]
           if f"{o['id']}: GPUs in use by tenant (solid) and entitled (dashed)" not in report]
check(not missing, "report.html: a tenants chart per operator" + (f" (missing: {missing})" if missing else ""))

firm_tenants = [k for c in quotas.values() for k in c if k not in national]
cost = {k: (summary["no-lending"]["tenants"][k]["wait_steady_s"]["mean"],
            summary["lending"]["tenants"][k]["wait_steady_s"]["mean"]) for k in dict.fromkeys(firm_tenants)}
print("   firm tenants' steady-state mean wait without -> with lending (h): " +
      ", ".join(f"{k} {a / 3600:.2f} -> {b / 3600:.2f}" for k, (a, b) in cost.items()))
finish("korea-academia")
