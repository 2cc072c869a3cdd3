#!/usr/bin/env python3
"""Generates scenarios/korea-2025.json and its four what-if variants (korea-hbm4-slip,
korea-public-first, korea-power-late, korea-academia-10pct).

Every number here is listed in docs/model.md with its source (../shared/design/domain-facts.md)
or marked as an assumption. The JSON files are committed; edit this script, not them, and rerun it.

  python3 scripts/make_korea_scenario.py            rewrite the five files in scenarios/
  python3 scripts/make_korea_scenario.py --check    write nothing; exit 1 naming each committed file
                                                    that differs from what this script generates
  python3 scripts/make_korea_scenario.py --out DIR  write the five files into DIR instead

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

# Failures (domain facts section 4; docs/model.md, "Failures in the Korean scenarios"): every model fails at
# Llama 3 405B's observed rate, 419 unplanned interruptions in 54 days on 16,384 H100 (H for H100; the same
# per-GPU rate for H200, B200, B300 and Rubin is an assumption). Meta RSC's job MTTF (7.9 h at 1,024 GPUs,
# 1.8 h at 16,384, M) implies 1.7-6x this rate: the rate is a low end. Failure classes and recovery times
# are gpufleet's defaults (Llama 3's class shares, H; recovery assumptions, docs/model.md).
LLAMA3_RATE = round(419 / (54 * 24 * 16384), 12)
for m in gpu_models:
    m["failures"] = {"rate_per_gpu_hour": LLAMA3_RATE}

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


NVL72_MODELS = {m["id"] for m in gpu_models if m["form"] == "nvl72"}


def repair(model, nodes):
    # Spares: NVL72 operators keep 8 of 72 GPUs as warm spares (L), one 8-GPU node per 9-node rack; HGX
    # clusters 2 % of their nodes (assumption). Spares are extra nodes, ready from the start (a simplification:
    # they are not drawn from the deliveries). One technician per 250 nodes and 30 min to swap a spare in
    # (assumptions).
    spares = -(-nodes // 9) if model in NVL72_MODELS else -(-nodes * 2 // 100)
    return {"technicians": max(1, nodes // 250), "spare_nodes": spares, "swap_s": 1800}


def cluster(cid, model, gpus, rack_nodes=9):
    assert gpus % 8 == 0, cid
    return {"id": cid, "gpu_model": model, "nodes": gpus // 8, "gpus_per_node": 8, "rack_nodes": rack_nodes,
            "online_nodes_at_start": 0, "repair": repair(model, gpus // 8)}


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

# (cluster, first day of work, scale): scale = final GPUs / 50,000. Public GPUs are allocated from
# February 2026 (H: "allocated from Feb 2026"); the firms' own divisions use their GPUs from the day
# they are online (assumption). Demand follows each cluster's share of GPUs online (follow_online),
# so a rate below is that of the finished cluster.
PUBLIC_FROM, FIRMS_FROM = 396, 0  # days after 2025-01-01: 2026-02-01 and the start
work_plan = [
    ("public", "pub-b200", PUBLIC_FROM, 0.2), ("public", "pub-h200", PUBLIC_FROM, 0.06),
    ("public", "pub-b300-csp", PUBLIC_FROM, 0.19), ("public", "pub-b300-nacc", PUBLIC_FROM, 0.24),
    ("public", "pub-rubin", PUBLIC_FROM, 0.3),
    ("samsung", "sam-b300", FIRMS_FROM, 0.6), ("samsung", "sam-rubin", FIRMS_FROM, 0.4),
    ("sk", "sk-b300", FIRMS_FROM, 0.6), ("sk", "sk-rubin", FIRMS_FROM, 0.4),
    ("hyundai", "hy-b300", FIRMS_FROM, 1.0),
    ("naver", "nv-b300", FIRMS_FROM, 0.8), ("naver", "nv-rubin", FIRMS_FROM, 0.4),
]
cluster_gpus = {c["id"]: c["nodes"] * 8 for o in operators for s in o["sites"] for c in s["clusters"]}

# --- Tenants: who the GPUs are for (issue #12) ----------------------------------------------------
# Public first batch: of 10,080 B200 + 3,056 H200, 8,160 B200 and 2,296 H200 are for government use (H);
# the rest (1,920 B200, 760 H200) is the hosting cloud providers' own. Everything else below is an
# assumption (docs/model.md): the facts name the users (sovereign LLMs, academia, industry; the firms'
# purposes) but no split.
tenants = [
    {"id": "sovereign-llm", "name": "Sovereign AI foundation-model consortia"},
    {"id": "academia", "name": "Universities and public research institutes"},
    {"id": "startups", "name": "Start-ups and SMEs on the public programme"},
    {"id": "agencies", "name": "Government agencies and public institutions"},
    {"id": "csp-hosts", "name": "Hosting cloud providers' own share of the first batch"},
    {"id": "samsung-ds", "name": "Samsung Device Solutions (semiconductors: cuLitho/OPC, fab twins)"},
    {"id": "samsung-dx", "name": "Samsung Device eXperience (devices, robotics)"},
    {"id": "samsung-research", "name": "Samsung Research and SAIT (models)"},
    {"id": "sk-hynix", "name": "SK hynix (fab AI, twins)"},
    {"id": "skt", "name": "SK Telecom (models, AI services)"},
    {"id": "sk-gpuaas", "name": "External customers of SK's GPU-as-a-service cloud"},
    {"id": "hyundai-ad", "name": "Hyundai autonomous driving"},
    {"id": "hyundai-robotics", "name": "Hyundai robotics"},
    {"id": "hyundai-factory", "name": "Hyundai smart factories"},
    {"id": "naver-models", "name": "Naver's own models (HyperCLOVA X, world models)"},
    {"id": "naver-cloud", "name": "Naver Cloud's enterprise customers"},
]
GOVERNMENT = [("sovereign-llm", 0.5), ("academia", 0.2), ("startups", 0.2), ("agencies", 0.1)]  # assumption
FIRM_TENANTS = {  # share of each of the firm's clusters (assumption)
    "samsung": [("samsung-ds", 0.5), ("samsung-dx", 0.3), ("samsung-research", 0.2)],
    "sk": [("sk-hynix", 0.4), ("skt", 0.3), ("sk-gpuaas", 0.3)],
    "hyundai": [("hyundai-ad", 0.5), ("hyundai-robotics", 0.25), ("hyundai-factory", 0.25)],
    "naver": [("naver-models", 0.5), ("naver-cloud", 0.5)],
}
EXTERNAL = {"sk-gpuaas", "naver-cloud"}  # cloud customers: no foundation-model gangs (assumption)
HOSTS_OWN = {"pub-b200": 10080 - 8160, "pub-h200": 3056 - 2296}  # first batch, not for government use (H)
# What each government tenant asks of each class, as a share of the class's government demand (assumption):
# foundation-model training is the sovereign-LLM consortia's; academia fine-tunes and evaluates;
# start-ups and agencies serve.
GOVERNMENT_MIX = {
    "training": {"sovereign-llm": 1.0},
    "finetune": {"sovereign-llm": 0.4, "academia": 0.3, "startups": 0.2, "agencies": 0.1},
    "serving": {"sovereign-llm": 0.1, "academia": 0.1, "startups": 0.4, "agencies": 0.4},
    "eval": {"sovereign-llm": 0.3, "academia": 0.4, "startups": 0.2, "agencies": 0.1},
}


def split(total, shares):
    """Whole GPUs by share; the first tenant takes what rounding leaves."""
    parts = [(t, int(total * f)) for t, f in shares]
    parts[0] = (parts[0][0], total - sum(g for _, g in parts[1:]))
    return parts


def quotas_of(op, cid):
    if op == "public":
        own = HOSTS_OWN.get(cid, 0)
        q = [{"tenant": t, "nominal_gpus": g, "cohort": "government"}
             for t, g in split(cluster_gpus[cid] - own, GOVERNMENT)]
        if own:  # no cohort: the hosts use their own share and lend none of it
            q.append({"tenant": "csp-hosts", "nominal_gpus": own})
        return q
    return [{"tenant": t, "nominal_gpus": g, "cohort": op} for t, g in split(cluster_gpus[cid], FIRM_TENANTS[op])]


def class_shares(op, cid, cls):
    """(tenant, share of the cluster's demand of this class)."""
    if op == "public":
        own = HOSTS_OWN.get(cid, 0) / cluster_gpus[cid]
        out = [(t, (1 - own) * f) for t, f in GOVERNMENT_MIX[cls].items()]
        if own and cls != "training":
            out.append(("csp-hosts", own))
        elif own:  # the hosts run no foundation-model gangs: training is all the government's
            out = [(t, f / (1 - own)) for t, f in out]
        return out
    shares = [(t, f) for t, f in FIRM_TENANTS[op] if cls != "training" or t not in EXTERNAL]
    total = sum(f for _, f in shares)
    return [(t, f / total) for t, f in shares]


for o in operators:
    for s_ in o["sites"]:
        for c in s_["clusters"]:
            c["quotas"] = {"tenants": quotas_of(o["id"], c["id"])}

# What a failure costs each class (assumptions, docs/model.md): training checkpoints at the Young/Daly interval
# with a 120 s write (the facts' worked example, H for the formula) and restarts in 10 min; fine-tuning every
# 30 min of work (the facts' typical 15-30 min, L) with 60 s writes; a serving job is stateless, losing at most
# 10 min of warm-up (an interval of 600 s with free writes) and 5 min to restart; evaluation restarts from scratch.
CHECKPOINT = {
    "training": {"interval_s": "young_daly", "write_s": 120, "restart_overhead_s": 600},
    "finetune": {"interval_s": 1800, "write_s": 60, "restart_overhead_s": 300},
    "serving": {"interval_s": 600, "restart_overhead_s": 300},
}
CLASSES = [  # (name, rate per hour at scale 1, GPUs, run time, walltime factor)
    ("training", 0.12, TRAIN, logn(4 * DAY, 0.7), 1.3),
    ("finetune", 2.5, FINETUNE, logn(12 * 3600, 1.0), 1.5),
    ("serving", 0.25, SERVE, logn(14 * DAY, 0.5), 1.2),
    ("eval", 6.0, EVAL, logn(122, 2.2), 3.0),
]
workloads = []
for op, cid, start, scale in work_plan:
    for cls, rate, gpus, duration, walltime in CLASSES:
        if cls == "training" and cluster_gpus[cid] < max(TRAIN["values"]):
            continue  # foundation-model gangs only where they fit
        for tenant, share in class_shares(op, cid, cls):
            w = wl(f"{cid}-{tenant}-{cls}", cid, start, round(rate * scale * share, 6), gpus, duration, walltime)
            w["tenant"] = tenant
            w["arrival"]["follow_online"] = True
            if cls in CHECKPOINT:
                w["checkpoint"] = dict(CHECKPOINT[cls])
            workloads.append(w)

base = {
    "format_version": 1,
    "name": "korea-2025",
    "description": ("South Korea's 260,000-GPU NVIDIA rollout, 2025-2029: HBM-paced supply, data-centre power and "
                    "installation, and each operator's workload. Sources and assumptions: docs/model.md."),
    "seed": 2025,
    "start": "2025-01-01",
    "horizon_days": 1826,
    "gpu_models": gpu_models,
    "tenants": tenants,
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

no_spares = copy.deepcopy(base)
no_spares["name"] = "korea-no-spares"
no_spares["description"] = "korea-2025 without warm spares: a failed node's place waits for its own recovery."
for o in no_spares["operators"]:
    for s_ in o["sites"]:
        for c in s_["clusters"]:
            c["repair"]["spare_nodes"] = 0
write("korea-no-spares.json", no_spares)

# 10 % of each firm's capacity opened to academia and start-ups (issue #12): on each firm cluster the two
# national tenants get a quota of 0 in the firm's cohort, each firm tenant lends at most 10 % of its nominal
# quota, and takes it back by preemption (reclaim). Academia's and start-ups' jobs go through a national
# queue that sends each to the member where the tenant could take the most GPUs now (most_lendable);
# a job sent away stages its input data over the backbone first.
LEND = 0.10
NATIONAL = ("academia", "startups")
academia = copy.deepcopy(base)
academia["name"] = "korea-academia-10pct"
academia["description"] = ("korea-2025 with 10 % of each firm's GPUs lent to academia and start-ups through a "
                           "national queue (most_lendable), with reclaim by the firms.")
members = []
for o in academia["operators"]:
    for s_ in o["sites"]:
        for c in s_["clusters"]:
            members.append(c["id"])
            if o["id"] == "public":
                continue
            q = c["quotas"]
            for t in q["tenants"]:
                t["lending_limit_gpus"] = int(t["nominal_gpus"] * LEND)
            q["tenants"] += [{"tenant": t, "nominal_gpus": 0, "cohort": o["id"]} for t in NATIONAL]
            q["preemption"] = {"reclaim_within_cohort": "any"}
academia["federation"] = {
    "policy": {"policy": "most_lendable"},
    "members": members,
    # Assumption: a research backbone of 100 Gbit/s (KREONET's class) and 100 Gbit/s site uplinks.
    "network": {"backbone_gbps": 100, "uplink_gbps": 100, "latency_ms": 5},
}
INPUT_GB = {"finetune": logn(50, 1.0), "serving": logn(20, 0.5), "eval": logn(2, 1.0)}  # assumption
for w in academia["workloads"]:
    if w["tenant"] in NATIONAL:
        w["federated"] = True
        w["input_gb"] = INPUT_GB[w["id"].rsplit("-", 1)[1]]
write("korea-academia-10pct.json", academia)

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
