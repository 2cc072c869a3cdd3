#!/usr/bin/env python3
"""Generates scenarios/korea-2025.json and its three what-if variants (korea-hbm4-slip,
korea-public-first, korea-power-late).

Every number here is listed in docs/model.md with its source (../shared/design/domain-facts.md)
or marked as an assumption. The JSON files are committed; edit this script, not them, and rerun it.

  python3 scripts/make_korea_scenario.py            rewrite the four files in scenarios/
  python3 scripts/make_korea_scenario.py --check    write nothing; exit 1 naming each committed file
                                                    that differs from what this script generates
  python3 scripts/make_korea_scenario.py --out DIR  write the four files into DIR instead

Exit codes: 0 ok (or --check: all identical), 1 --check found a difference, 2 usage.
"""
import argparse
import copy
import difflib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
args_parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                      formatter_class=argparse.RawDescriptionHelpFormatter,
                                      epilog="\n\n".join(__doc__.split("\n\n")[1:]))
mode = args_parser.add_mutually_exclusive_group()
mode.add_argument("--check", action="store_true",
                  help="compare the committed scenarios with the generated ones; write nothing")
mode.add_argument("--out", type=pathlib.Path, metavar="DIR", help="write into DIR (default: scenarios/)")
ARGS = args_parser.parse_args()  # exits 2 on a usage error, 0 after --help, before anything is written

M = 1_000_000

# --- GPU models (domain facts section 2 and 3) ---------------------------------------------
gpu_models = [
    # H200: 6 stacks of HBM3E 8-high and 700 W are assumptions (not in the facts).
    {"id": "H200", "memory_gb": 141, "relative_speed": 0.5, "hbm_generation": "HBM3E-8H",
     "hbm_stacks_per_gpu": 6, "tdp_w": 700, "idle_w": 105, "host_overhead": 1.6, "form": "hgx8"},
    # B200: 8 x 8-high HBM3E (H), 1,000 W (H); DGX B200 14.3 kW / 8 GPUs -> host overhead 1.79 (EST).
    {"id": "B200", "memory_gb": 192, "relative_speed": 1.0, "hbm_generation": "HBM3E-8H",
     "hbm_stacks_per_gpu": 8, "tdp_w": 1000, "idle_w": 150, "host_overhead": 1.79, "form": "hgx8"},
    # B300: 8 x 12-high HBM3E (H), ~1,400 W (M); DGX B300 14.5 kW / 8 -> overhead 1.29 (EST).
    {"id": "B300", "memory_gb": 288, "relative_speed": 1.5, "hbm_generation": "HBM3E-12H",
     "hbm_stacks_per_gpu": 8, "tdp_w": 1400, "idle_w": 210, "host_overhead": 1.29, "form": "nvl72"},
    # Rubin: 8 x 12-high HBM4 (H), ~1,800 W (L); host overhead 1.2 assumed.
    {"id": "Rubin", "memory_gb": 288, "relative_speed": 3.0, "hbm_generation": "HBM4-12H",
     "hbm_stacks_per_gpu": 8, "tdp_w": 1800, "idle_w": 270, "host_overhead": 1.2, "form": "nvl72"},
]

# --- HBM supply -----------------------------------------------------------------------------
# NVIDIA-bound HBM stacks started per month, all suppliers (assumption, from CoWoS capacity (M):
# 2025 ~7M GPUs/yr x 8 stacks / 0.75 yield ~ 6.2M; growing with CoWoS estimates for 2026-2028).
nvidia_raw_stacks = {"2025-01-01": 6.2 * M, "2026-01-01": 9.3 * M, "2027-01-01": 12.0 * M, "2028-01-01": 14.0 * M}
# Generation mix of that output by year (assumption: HBM3E 8-high gives way to 12-high, then HBM4).
mix = {
    "HBM3E-8H": {"2025-01-01": 0.60, "2026-01-01": 0.20, "2027-01-01": 0.05, "2028-01-01": 0.0},
    "HBM3E-12H": {"2025-01-01": 0.40, "2026-01-01": 0.65, "2027-01-01": 0.45, "2028-01-01": 0.20},
    "HBM4-12H": {"2026-01-01": 0.15, "2027-01-01": 0.50, "2028-01-01": 0.80},
}
# Supplier shares: HBM3E from Q2 2025 shipments (M: 62/21/17), HBM4 from the 2026 forecast (M: 54/28/18).
shares = {"sk-hynix": {"HBM3E": 0.62, "HBM4": 0.54}, "micron": {"HBM3E": 0.21, "HBM4": 0.28},
          "samsung": {"HBM3E": 0.17, "HBM4": 0.18}}
# First HBM4 output: SK hynix mass-production system 2025-09-12 (H) -> volume from 2026-01;
# Samsung first shipment 2026-02-12 (H); Micron volume Feb 2026 (M).
hbm4_start = {"sk-hynix": "2026-01-01", "samsung": "2026-02-12", "micron": "2026-02-01"}
# Yields (L: SK 12-high HBM4 ~70 % test yield early 2025; Samsung 1c 50-70 % mid-2025); assumed to improve mid-2026.
yields = {"sk-hynix": [("2025-01-01", 0.75), ("2026-07-01", 0.80)],
          "samsung": [("2025-01-01", 0.60), ("2026-07-01", 0.70)],
          "micron": [("2025-01-01", 0.70), ("2026-07-01", 0.75)]}
# The programme's share of each supplier's NVIDIA-bound output: 1 % (assumption; the facts' EST puts Korea's
# whole 260k at about 2 % of NVIDIA's 2026 CoWoS allocation, and the programme spreads over several years).
PROGRAMME_SHARE = 0.01


def supplier(sid):
    caps = {}
    for gen, by_year in mix.items():
        family = "HBM4" if gen.startswith("HBM4") else "HBM3E"
        steps = []
        for date, frac in by_year.items():
            if family == "HBM4" and date < hbm4_start[sid]:
                date = hbm4_start[sid]
            steps.append({"from": date, "value": round(nvidia_raw_stacks[date[:4] + "-01-01"] * frac * shares[sid][family])})
        # keep dates increasing (HBM4 start may coincide with a later year boundary)
        dedup = {}
        for s in steps:
            dedup[s["from"]] = s["value"]
        caps[gen] = [{"from": d, "value": v} for d, v in sorted(dedup.items())]
    return {"id": sid, "programme_share": PROGRAMME_SHARE,
            "yield": [{"from": d, "value": y} for d, y in yields[sid]],
            "stacks_per_month": caps}


supply = {
    "step_days": 7,
    "build_lead_days": 60,   # assumption: stacks -> CoWoS packaging, test, system build
    "ship_lead_days": 30,    # assumption: system integration and shipping to Korea
    "supply_window_days": 120,  # assumption: suppliers ship up to four months ahead of a tranche's due date
    "allocation": {"policy": "fcfs_orders"},
    # CoWoS for the programme: 2 % (the facts' EST) of NVIDIA's ~60 % (M) of TSMC's 65-80K wafers/month in 2025 (M),
    # ~110K at end-2026 (midpoint of the 90-150K estimates, L), x 16 Blackwell packages per wafer (M);
    # 2028 at 9 Rubin packages per wafer (L) on ~140K wafers (assumption).
    "packaging_gpus_per_month": [{"from": "2025-01-01", "value": 13900}, {"from": "2026-07-01", "value": 21100},
                                 {"from": "2028-01-01", "value": 15100}],
    "hbm_suppliers": [supplier("sk-hynix"), supplier("samsung"), supplier("micron")],
}

# --- Operators, sites, clusters, orders ---------------------------------------------------------


def cluster(cid, model, gpus, rack_nodes=9):
    assert gpus % 8 == 0, cid
    return {"id": cid, "gpu_model": model, "nodes": gpus // 8, "gpus_per_node": 8, "rack_nodes": rack_nodes,
            "online_nodes_at_start": 0}


def site(sid, clusters, power, pue, install_per_day=400, burn_in_days=14):
    return {"id": sid, "pue": pue, "install_gpus_per_day": install_per_day, "burn_in_days": burn_in_days,
            "power_mw": [{"from": d, "value": v} for d, v in power], "clusters": clusters}


operators = [
    {"id": "public", "name": "Government: national AI computing centre and CSP-hosted public GPUs", "sites": [
        # First batch and the 2026 purchase are hosted by cloud providers (H); colocation PUE 1.4 and power assumed.
        site("csp-hosted", [cluster("pub-b200", "B200", 10080, 4), cluster("pub-h200", "H200", 3056, 4),
                            cluster("pub-b300-csp", "B300", 9704)],
             [("2025-01-01", 30), ("2026-06-01", 60)], 1.4),
        # NACC: 15k by 2028, 50k by 2030 (H); power steps assumed.
        site("nacc", [cluster("pub-b300-nacc", "B300", 12000), cluster("pub-rubin", "Rubin", 15160)],
             [("2026-07-01", 40), ("2028-01-01", 80)], 1.25),
    ]},
    {"id": "samsung", "name": "Samsung AI Megafactory", "sites": [
        site("samsung-dc", [cluster("sam-b300", "B300", 30000), cluster("sam-rubin", "Rubin", 20000)],
             [("2026-06-01", 60), ("2027-06-01", 130)], 1.25)]},
    {"id": "sk", "name": "SK Group manufacturing AI cloud", "sites": [
        # Ulsan AI DC 100 MW by 2027 (M); the 2028 step for Rubin is assumed.
        site("ulsan", [cluster("sk-b300", "B300", 30000), cluster("sk-rubin", "Rubin", 20000)],
             [("2026-06-01", 40), ("2027-01-01", 100), ("2028-06-01", 150)], 1.25)]},
    {"id": "hyundai", "name": "Hyundai Motor Group", "sites": [
        # Saemangeum AI DC from 2026 (H); power steps assumed.
        site("saemangeum", [cluster("hy-b300", "B300", 50000)],
             [("2026-06-01", 50), ("2027-06-01", 130)], 1.25)]},
    {"id": "naver", "name": "Naver Cloud", "sites": [
        # GAK Sejong: 55 MW in H1 2027, 100 MW in 2027, 200 MW by 2028 (H).
        site("gak-sejong", [cluster("nv-b300", "B300", 40000), cluster("nv-rubin", "Rubin", 20000)],
             [("2027-04-01", 55), ("2027-10-01", 100), ("2028-06-01", 200)], 1.25)]},
]


def order(oid, cluster_id, ordered, tranches, priority=0):
    return {"id": oid, "cluster": cluster_id, "ordered": ordered, "priority": priority,
            "tranches": [{"gpus": g, "due": d} for g, d in tranches]}


ANNOUNCED = "2025-11-01"  # the 260k package was announced at APEC, 31 Oct 2025 (H)
orders = [
    # Government first batch: 10,080 B200 + 3,056 H200, arrived Oct-Nov 2025 (H); tender date assumed.
    order("pub-first-b200", "pub-b200", "2025-06-01", [(10080, "2025-11-30")]),
    order("pub-first-h200", "pub-h200", "2025-06-01", [(3056, "2025-11-30")]),
    # 2026: 9,704 GPUs via Naver Cloud, Samsung SDS and Elice (H); B300 as "then B300" (H).
    order("pub-2026", "pub-b300-csp", "2026-01-01", [(9704, "2026-12-31")]),
    # NACC 15k by 2028 (H): 12,000 B300 in two tranches (split assumed).
    order("pub-nacc-b300", "pub-b300-nacc", "2026-06-01", [(6000, "2027-12-31"), (6000, "2028-06-30")]),
    # Remainder to 50k by 2030 (H), on Vera Rubin ("reserved", H).
    order("pub-nacc-rubin", "pub-rubin", "2027-01-01", [(7580, "2029-06-30"), (7580, "2029-12-31")]),
    # Firms: delivery schedules not disclosed (gap): Blackwell first, Rubin later (H for SK, Naver); split assumed.
    order("samsung-b300", "sam-b300", ANNOUNCED, [(15000, "2026-12-31"), (15000, "2027-06-30")]),
    order("samsung-rubin", "sam-rubin", "2026-06-01", [(10000, "2027-09-30"), (10000, "2027-12-31")]),
    order("sk-b300", "sk-b300", ANNOUNCED, [(10000, "2026-12-31"), (20000, "2027-06-30")]),
    # SKT's first AI factory in 2027, Blackwell first and then Vera Rubin (M).
    order("sk-rubin", "sk-rubin", "2026-06-01", [(10000, "2027-09-30"), (10000, "2027-12-31")]),
    order("hyundai-b300", "hy-b300", ANNOUNCED, [(20000, "2026-12-31"), (30000, "2027-12-31")]),
    order("naver-b300", "nv-b300", ANNOUNCED, [(20000, "2027-06-30"), (20000, "2027-12-31")]),
    order("naver-rubin", "nv-rubin", "2026-06-01", [(10000, "2027-12-31"), (10000, "2028-06-30")]),
]
assert sum(t["gpus"] for o in orders for t in o["tranches"]) == 260_000

# --- Workloads: shapes from the AcmeTrace statistics (H) ----------------------------------------
# Seren: median run 122 s, mean 1,414 s -> lognormal sigma = sqrt(2 ln(1414/122)) = 2.2; median GPUs 1, max 1,024.
# Pretraining takes most GPU-time; evaluation jobs are many and small (H). Rates are assumptions sized so that
# each operator's demand is about 60 % of its final capacity.


def wl(wid, cluster_id, start, rate_per_hour, gpus, duration, walltime=1.5, priority=0):
    return {"id": wid, "cluster": cluster_id, "kind": "synthetic", "start_s": start * 86400, "priority": priority,
            "arrival": {"process": "poisson", "rate_per_hour": rate_per_hour}, "gpus": gpus,
            "duration_s": duration, "walltime_factor": walltime}


def disc(values, weights):
    return {"dist": "discrete", "values": values, "weights": weights}


def logn(median_s, sigma):
    return {"dist": "lognormal", "median": median_s, "sigma": sigma}


TRAIN = disc([1024, 2048, 4096], [0.5, 0.3, 0.2])          # foundation-model gangs (>= 2,048-GPU cluster rule, H)
FINETUNE = disc([64, 128, 256, 512], [0.4, 0.3, 0.2, 0.1])
SERVE = disc([16, 32, 128], [0.5, 0.3, 0.2])
EVAL = disc([1, 2, 4, 8], [0.55, 0.2, 0.15, 0.1])          # median 1 GPU (Seren, Kalos: H)
DAY = 86400

# (cluster, first day of work, scale): scale = final GPUs / 50,000
work_plan = [
    ("public", "pub-b200", 396, 0.2), ("public", "pub-h200", 396, 0.06), ("public", "pub-b300-csp", 547, 0.19),
    ("public", "pub-b300-nacc", 1095, 0.24), ("public", "pub-rubin", 1460, 0.3),
    ("samsung", "sam-b300", 700, 0.6), ("samsung", "sam-rubin", 1000, 0.4),
    ("sk", "sk-b300", 700, 0.6), ("sk", "sk-rubin", 1000, 0.4),
    ("hyundai", "hy-b300", 700, 1.0),
    ("naver", "nv-b300", 900, 0.8), ("naver", "nv-rubin", 1100, 0.4),
]
cluster_gpus = {c["id"]: c["nodes"] * 8 for o in operators for s in o["sites"] for c in s["clusters"]}
workloads = []
for op, cid, start, scale in work_plan:
    if cluster_gpus[cid] >= max(TRAIN["values"]):  # foundation-model gangs only where they fit
        workloads.append(wl(f"{cid}-training", cid, start, 0.12 * scale, TRAIN, logn(4 * DAY, 0.7), 1.3))
    workloads += [
        wl(f"{cid}-finetune", cid, start, 2.5 * scale, FINETUNE, logn(12 * 3600, 1.0), 1.5),
        wl(f"{cid}-serving", cid, start, 0.25 * scale, SERVE, logn(14 * DAY, 0.5), 1.2),
        wl(f"{cid}-eval", cid, start, 6.0 * scale, EVAL, logn(122, 2.2), 3.0),
    ]

base = {
    "format_version": 1,
    "name": "korea-2025",
    "description": ("South Korea's 260,000-GPU NVIDIA rollout, 2025-2029: HBM-paced supply, data-centre power and "
                    "installation, and each operator's workload. Sources and assumptions: docs/model.md."),
    "seed": 2025,
    "start": "2025-01-01",
    "horizon_days": 1826,
    "gpu_models": gpu_models,
    "operators": operators,
    "workloads": workloads,
    "scheduling": {"queue": {"policy": "fcfs"}, "backfill": {"policy": "easy"}, "placement": {"policy": "pack"}},
    "supply": supply,
    "orders": orders,
    "outputs": {"timeseries_interval_s": 86400},
}

generated = {}  # file name -> its exact text, in the order written


def write(name, doc):
    generated[name] = json.dumps(doc, indent=1) + "\n"


write("korea-2025.json", base)

slip = copy.deepcopy(base)
slip["name"] = "korea-hbm4-slip"
slip["description"] = "korea-2025 with every supplier's HBM4 output six months late."
slip["events"] = [{"date": "2025-01-01", "kind": "hbm_generation_delay", "generation": "HBM4-12H", "days": 182}]
write("korea-hbm4-slip.json", slip)

public_first = copy.deepcopy(base)
public_first["name"] = "korea-public-first"
public_first["description"] = "korea-2025 with strict public-sector priority in HBM and packaging allocation."
public_first["supply"]["allocation"] = {"policy": "priority"}
for o in public_first["orders"]:
    if o["id"].startswith("pub-"):
        o["priority"] = 10
write("korea-public-first.json", public_first)

late = copy.deepcopy(base)
late["name"] = "korea-power-late"
late["description"] = "korea-2025 with two sites' grid power a year late (Saemangeum and GAK Sejong)."
late["events"] = [
    {"date": "2025-01-01", "kind": "site_power_delay", "operator": "hyundai", "site": "saemangeum", "days": 365},
    {"date": "2025-01-01", "kind": "site_power_delay", "operator": "naver", "site": "gak-sejong", "days": 365},
]
write("korea-power-late.json", late)

if ARGS.check:
    differ = 0
    for name, text in generated.items():
        path = ROOT / "scenarios" / name
        committed = path.read_text() if path.exists() else None
        if committed == text:
            print(f"ok: {path.relative_to(ROOT)} is what the script generates")
            continue
        differ += 1
        if committed is None:
            print(f"DIFFERS: {path.relative_to(ROOT)} is missing")
            continue
        diff = list(difflib.unified_diff(committed.splitlines(), text.splitlines(), f"{name} (committed)",
                                         f"{name} (generated)", lineterm="", n=1))
        print(f"DIFFERS: {path.relative_to(ROOT)} ({sum(l[:1] in '+-' for l in diff[2:])} lines); first lines of the diff:")
        print("\n".join(diff[:20]))
    if differ:
        print(f"{differ} of {len(generated)} scenario files differ from scripts/make_korea_scenario.py; edit the "
              "script (not the JSON) and run it without --check")
        sys.exit(1)
    sys.exit(0)

out_dir = ARGS.out if ARGS.out else ROOT / "scenarios"
try:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in generated.items():
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(out_dir / name)  # atomic: a file is either the old or the new one
        print(f"wrote {out_dir / name}")
except OSError as e:
    print(f"make_korea_scenario.py: cannot write into {out_dir}: {e}", file=sys.stderr)
    sys.exit(2)
