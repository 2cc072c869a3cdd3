#!/usr/bin/env python3
"""Runs the Korean reference scenario and its three what-if variants, then checks
  - the accounting identities on every row of rollout.csv (every date, every operator and "all"):
      ordered = delivered + in production + unallocated,  delivered = online + stranded,
      stranded = waiting + installing,  all counts >= 0,  "all" = sum of the operators;
  - the national total ordered is 260,000;
  - each what-if moves the outcome in the direction a reader expects.
The reference scenario runs whole; the three what-ifs change only supply and events, and the
rollout does not depend on the workloads, so they run with their workloads removed (--set
/workloads=[]), which leaves rollout.csv and orders.csv byte for byte as a whole run writes them
(the test checks that on the reference scenario too).
Usage: korea_whatifs.py GPUFLEET_BINARY SOURCE_DIR WORK_DIR"""
import concurrent.futures
import csv
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "cli"))
from testlib import check, finish  # noqa: E402

binary, source, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
names = ["korea-2025", "korea-hbm4-slip", "korea-public-first", "korea-power-late"]


def run(name, whole=False):
    out = work / (name if whole else name + "-rollout")
    extra = [] if whole else ["--set", "/workloads=[]"]
    subprocess.run([binary, "run", str(source / "scenarios" / f"{name}.json"), "--out", str(out), "-q"] + extra,
                   check=True)
    return name, out


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    whole = pool.submit(run, names[0], True)
    dirs = dict(pool.map(run, names))
    whole_dir = whole.result()[1]
for f in ("rollout.csv", "orders.csv"):
    check((whole_dir / f).read_bytes() == (dirs[names[0]] / f).read_bytes(),
          f"{names[0]}: {f} of the whole run = that of the run without workloads")
whole_summary = json.loads((whole_dir / "summary.json").read_text())
check(whole_summary["run"]["complete"] and whole_summary["total"]["jobs"]["submitted"] > 500_000,
      f"{names[0]}: the whole run completes ({whole_summary['total']['jobs']['submitted']} jobs)")

summary = {n: json.loads((dirs[n] / "summary.json").read_text()) for n in names}
orders = {n: list(csv.DictReader(open(dirs[n] / "orders.csv"))) for n in names}

for n in names:
    rows = list(csv.DictReader(open(dirs[n] / "rollout.csv")))
    bad = []
    by_date = {}
    for r in rows:
        v = {k: (float(r[k]) if k == "hbm_stacks_consumed" else int(r[k])) for k in r if k not in ("date", "operator")}
        if v["ordered_gpus"] != v["delivered_gpus"] + v["in_production_gpus"] + v["unallocated_gpus"]:
            bad.append(("ordered", r))
        if v["delivered_gpus"] != v["online_gpus"] + v["stranded_gpus"]:
            bad.append(("delivered", r))
        if v["stranded_gpus"] != v["waiting_gpus"] + v["installing_gpus"]:
            bad.append(("stranded", r))
        if min(x for k, x in v.items() if k != "hbm_stacks_consumed") < 0:
            bad.append(("negative", r))
        by_date.setdefault(r["date"], {})[r["operator"]] = v
    for date, ops in by_date.items():
        total = {k: sum(o[k] for name, o in ops.items() if name != "all") for k in ops["all"]}
        if any(abs(total[k] - ops["all"][k]) > 1e-6 * max(1, abs(total[k])) for k in total):
            bad.append(("national = sum of operators", date))
    check(not bad and len(rows) > 1000, f"{n}: identities hold on all {len(rows)} rows of rollout.csv"
          + (f" (first failure: {bad[0]})" if bad else ""))
    check(summary[n]["rollout"]["national"]["ordered_gpus"] == 260000, f"{n}: national ordered = 260,000")
    check(summary[n]["run"]["complete"], f"{n}: run complete")


def model(n, mid):
    return next(m for m in summary[n]["rollout"]["gpu_models"] if m["id"] == mid)


def op(n, oid):
    return next(o for o in summary[n]["rollout"]["operators"] if o["id"] == oid)


def delay(n, pred):
    return sum(float(r["delay_days"]) if r["delay_days"] else 10_000 for r in orders[n] if pred(r))


def rubin(r):
    return "rubin" in r["order"]


base, slip, pub, late = names
check(model(slip, "Rubin")["date_50pct_online"] > model(base, "Rubin")["date_50pct_online"],
      f"HBM4 slip: Rubin fleet 50 % online later ({model(base, 'Rubin')['date_50pct_online']} -> "
      f"{model(slip, 'Rubin')['date_50pct_online']})")
check(op(slip, "samsung")["date_90pct_online"] > op(base, "samsung")["date_90pct_online"],
      f"HBM4 slip: Samsung (Rubin buyer) 90 % online later ({op(base, 'samsung')['date_90pct_online']} -> "
      f"{op(slip, 'samsung')['date_90pct_online']})")
check(delay(slip, rubin) > delay(base, rubin),
      f"HBM4 slip: Rubin tranches later in total ({delay(base, rubin):.0f} -> {delay(slip, rubin):.0f} days)")
early = [(a["order"], a["tranche"]) for a, b in zip(orders[base], orders[slip])
         if rubin(a) and b["delivered_date"] and a["delivered_date"] and b["delivered_date"] < a["delivered_date"]]
check(not early, f"HBM4 slip: no Rubin tranche arrives earlier {early}")
check(op(pub, "public")["date_50pct_online"] < op(base, "public")["date_50pct_online"],
      f"public first: public 50 % online earlier ({op(base, 'public')['date_50pct_online']} -> "
      f"{op(pub, 'public')['date_50pct_online']})")
public = lambda r: r["operator"] == "public"  # noqa: E731
check(delay(pub, public) < delay(base, public),
      f"public first: public tranches earlier in total ({delay(base, public):.0f} -> {delay(pub, public):.0f} days)")
for o in ("hyundai", "naver"):
    check(op(late, o)["date_90pct_online"] > op(base, o)["date_90pct_online"],
          f"power late: {o} 90 % online later ({op(base, o)['date_90pct_online']} -> {op(late, o)['date_90pct_online']})")
check(summary[late]["rollout"]["national"]["stranded_gpu_days"] > summary[base]["rollout"]["national"]["stranded_gpu_days"],
      "power late: more stranded GPU-days nationally "
      f"({summary[base]['rollout']['national']['stranded_gpu_days']:.0f} -> "
      f"{summary[late]['rollout']['national']['stranded_gpu_days']:.0f})")

finish("korea-whatifs")
