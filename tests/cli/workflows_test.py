#!/usr/bin/env python3
"""End-to-end tests of gpufleet's command-line workflows, one CTest per subcommand:

  workflows_test.py CASE GPUFLEET SOURCE_DIR WORK_DIR

Cases: report, diff, check, golden, compare_jobs, checkpoint_sweep, shards, interrupt, limits, progress, logging, chromium.
Exit 0 pass, 1 fail, 77 skipped (a missing optional tool or ../shared/data)."""
import csv
import fcntl
import hashlib
import io
import json
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

from testlib import check, failures, finish, progress_pct, skip, unknown_case

case, gpufleet, src, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]).resolve(), pathlib.Path(sys.argv[4])
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
SMALL = src / "scenarios/small-synthetic.json"
HAND = src / "tests/data/rollout-hand.json"
NASA = src / "scenarios/nasa-ipsc-stress.json"
SHARED = src.parent / "shared/data/NASA-iPSC-1993-3.1-cln.swf.gz"


def run(*args, expect=None, **kw):
    p = subprocess.run([gpufleet, *map(str, args)], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if expect is not None and p.returncode != expect:
        failures.append(f"{' '.join(map(str, args))}: exit {p.returncode}, expected {expect}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p


def without_cost_columns(path):
    rows = list(csv.reader(open(path)))
    return [r[:-2] for r in rows]  # wall_time_s, peak_memory_mib measure this machine, not the model


def report_structure(path, rollout, jobs=True):
    text = path.read_text()
    root = ET.fromstring(text.split("\n", 1)[1])  # well-formed XHTML after the doctype
    ns = {"s": "http://www.w3.org/2000/svg"}
    check(text.startswith("<!DOCTYPE html>"), f"{path.name}: HTML5 doctype")
    for bad in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        check(bad not in text, f"{path.name}: no {bad} (self-contained)")
    bare = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    check("http://" not in bare and "https://" not in bare, f"{path.name}: no network references (but the SVG namespace)")
    sections = {s.get("id") for s in root.iter("section")}
    want = {"key-numbers", "utilisation", "queue", "waits", "clusters", "workloads"} | ({"rollout", "power"} if rollout else set())
    check(want <= sections, f"{path.name}: sections {sorted(want - sections)} missing" if not want <= sections else f"{path.name}: all sections present")
    charts = root.findall(".//s:svg", ns)
    check(len(charts) >= (6 if rollout else 3), f"{path.name}: {len(charts)} charts")
    for svg in charts:
        title = svg.find("s:title", ns).text
        lines = [p.get("points") for p in svg.findall(".//s:polyline", ns)]
        bars = svg.findall(".//s:rect", ns)
        has_data = any(len(pts.split()) >= 2 for pts in lines) or any(float(b.get("height")) > 0 for b in bars)
        says_empty = any(t.text == "no data" for t in svg.findall("s:text", ns))
        check(has_data or (says_empty and not jobs), f"{path.name}: chart '{title}' draws data or says 'no data'")
    tables = root.findall(".//table")
    check(len(tables) >= (4 if rollout else 2), f"{path.name}: {len(tables)} tables")
    return text


if case == "report":
    run("run", SMALL, "--out", work / "small", "-q", expect=0)
    report_structure(work / "small/report.html", rollout=False)
    run("run", HAND, "--out", work / "hand", "-q", expect=0)
    text = report_structure(work / "hand/report.html", rollout=True, jobs=False)
    check("2025-" in text and "GPUs online per operator" in text, "rollout report shows dates and the rollout chart")
    run("run", SMALL, "--out", work / "none", "-q", "--no-report", expect=0)
    check(not (work / "none/report.html").exists(), "--no-report writes no report")
    # Tenants and a federation add their sections (and the run's printout its federation line).
    doc = json.loads(SMALL.read_text())
    clusters = [c["id"] for o in doc["operators"] for si in o["sites"] for c in si["clusters"]]
    doc["tenants"] = [{"id": "academia"}, {"id": "industry"}]
    for i, w in enumerate(doc["workloads"]):
        w["tenant"] = "academia" if i == 0 else "industry"
    doc["workloads"][0].update(federated=True, input_gb={"dist": "fixed", "value": 200})
    doc["federation"] = {"policy": {"policy": "most_lendable"}, "members": clusters,
                         "network": {"backbone_gbps": 100, "uplink_gbps": 10}}
    fed = work / "fed.json"
    fed.write_text(json.dumps(doc))
    p = run("run", fed, "--out", work / "fed", expect=0)
    check("federation (most_lendable):" in p.stdout, "the run prints its federation line")
    text = report_structure(work / "fed/report.html", rollout=False)
    root = ET.fromstring(text.split("\n", 1)[1])
    sections = {s.get("id"): s for s in root.iter("section")}
    check("tenants" in sections and "federation" in sections, "tenants and federation sections present")
    tenant_rows = [tr for tr in sections["tenants"].iter("tr") if tr.find("td") is not None]
    check(len(tenant_rows) >= 2 and "academia" in ET.tostring(sections["tenants"], encoding="unicode"),
          f"tenants table lists the tenants ({len(tenant_rows)} rows)")
    check("GPUs in use by tenant (solid) and entitled (dashed)" in text, "the tenants section charts use against entitlement")
    check((work / "fed/tenants.csv").read_text().startswith("t_s,date,cluster,tenant,nominal_gpus,used_gpus,queued_gpus\n"),
          "a scenario with tenants writes tenants.csv")
    # Failures add their section: failures per day, nodes down, goodput per operator, lost GPU-hours by cause.
    pl = run("run", src / "scenarios/llama3-405b.json", "--out", work / "llama", expect=0)
    check("failures: " in pl.stdout and "goodput" in pl.stdout, "the run prints its failures line and a goodput column")
    ltext = report_structure(work / "llama/report.html", rollout=False)
    lroot = ET.fromstring(ltext.split("\n", 1)[1])
    lsections = {s.get("id"): s for s in lroot.iter("section")}
    check("failures" in lsections, "a scenario with failures has a failures section")
    if "failures" in lsections:
        body = ET.tostring(lsections["failures"], encoding="unicode")
        lsummary = json.loads((work / "llama/summary.json").read_text())["failures"]
        check(f"{lsummary['node_failures']:,} node failures" in body, "the section gives the node failures of summary.json")
        check(f"goodput {100 * lsummary['goodput']:.1f} %" in body, "the section gives the goodput of summary.json")
        svg_ns = "{http://www.w3.org/2000/svg}"
        titles = [c.find(svg_ns + "title").text for c in lsections["failures"].iter(svg_ns + "svg")]
        check(titles == ["Node failures per day (all clusters)", "Nodes down at each sample (all clusters)",
                         "GPU-hours lost, by cause (all clusters)"], f"failures charts: {titles}")
        check("meta" in body, "the goodput table lists the operator")
    check('id="failures"' not in (work / "small/report.html").read_text(), "a scenario without failures has no such section")
    run("run", fed, "--out", work / "fed", "-q", expect=0)  # its own results folder, tenants.csv included, is replaced
    summary = json.loads((work / "fed/summary.json").read_text())
    check(str(summary["federation"]["jobs"]) in ET.tostring(sections["federation"], encoding="unicode").replace(",", ""),
          "federation section gives the summary's job count")

elif case == "diff":
    run("run", SMALL, "--out", work / "a", "-q", expect=0)
    run("run", SMALL, "--out", work / "b", "-q", expect=0)
    p = run("diff", work / "a", work / "b", "--junit", work / "same.xml", expect=0)
    check("0 of" in p.stdout, "diff of two runs of the same scenario: nothing moved")
    run("run", SMALL, "--out", work / "c", "-q", "--set", "/scheduling/backfill/policy=none", expect=0)
    p = run("diff", work / "a", work / "c", "--junit", work / "moved.xml", expect=1)
    check("/total/wait_s/mean" in p.stdout and "beyond tolerance" in p.stdout, "diff after --set names the metrics that moved")
    p = run("diff", work / "a", work / "c", "--all", expect=1)
    moved = [l for l in p.stdout.splitlines() if l.endswith("*")]
    check(any(l.startswith("/clusters/pub-h100/wait_s/mean ") for l in moved), f"--all lists every moved value ({len(moved)})")
    for name, want_fail in (("same.xml", False), ("moved.xml", True)):
        root = ET.parse(work / name).getroot()
        fails = int(root.get("failures"))
        check(root.tag == "testsuites" and int(root.get("tests")) > 100 and (fails > 0) == want_fail,
              f"{name} parses as JUnit XML ({root.get('tests')} cases, {fails} failures)")
        check(len(root.findall(".//failure")) == fails, f"{name}: failure count matches <failure> elements")
    p = run("diff", work / "a", work / "c", "--rtol", "1", "--ignore", "/clusters", expect=0)
    check("0 of" in p.stdout, "--rtol 1 with the policy names (/clusters) ignored accepts the moved run")
    run("diff", work / "a", work / "nowhere", expect=2)
    (work / "junk.json").write_text("{not json")
    p = run("diff", work / "a", work / "junk.json", expect=2)
    check("junk.json" in p.stderr, "bad input names the file")
    run("diff", work / "a", expect=2)

elif case == "check":
    exp = work / "expect.json"
    p = run("check", SMALL, "--expect", exp, "--out", work / "r", expect=2)
    check("--update" in p.stderr, "a missing expectation says how to create it")
    run("check", SMALL, "--expect", exp, "--out", work / "r", "--update", expect=0)
    run("check", SMALL, "--expect", exp, "--out", work / "r", "--rtol", "0", expect=0)
    p = run("check", SMALL, "--expect", exp, "--out", work / "r2", "--set", "/seed=99", "--junit", work / "j.xml", expect=1)
    check("check FAILED" in p.stdout, "check reports a changed outcome")
    ET.parse(work / "j.xml")

elif case == "golden":
    # The project's own regression tests go through `gpufleet check`, exactly (rtol 0), in every build type:
    # the expectations were written by a Release build, and the sanitizer (Debug) build runs this too.
    for name, scenario in (("small-synthetic", SMALL), ("rollout-hand", HAND)):
        out = work / name
        run("check", scenario, "--expect", src / f"tests/golden/{name}.summary.json", "--rtol", "0", "--atol", "0",
            "--out", out, expect=0)
        for line in (src / f"tests/golden/{name}.sha256").read_text().splitlines():
            digest, fname = line.split()
            got = hashlib.sha256((out / fname).read_bytes()).hexdigest()
            check(got == digest, f"{name}/{fname} byte-identical to the golden digest")

elif case == "checkpoint_sweep":
    # Issue #13: sweeping the checkpoint interval with `gpufleet compare` (common random numbers over
    # 40 seeds), goodput is largest within 25 % of Daly's higher-order optimum. One job of 8 one-GPU
    # nodes on 64, job MTBF M = 10 h, write delta = restart = 0.1 h, 100 h of work (docs/failures.md).
    m, delta = 10 * 3600.0, 360.0
    opt = math.sqrt(2 * delta * m) * (1 + math.sqrt(delta / (2 * m)) / 3 + delta / (9 * m)) - delta
    doc = {"format_version": 1, "name": "tau-sweep", "seed": 1, "start": "2025-01-01", "horizon_days": 45,
           "gpu_models": [{"id": "g", "failures": {"rate_per_gpu_hour": 1 / 80, "classes": [
               {"id": "any", "share": 1, "auto_share": 1, "auto_s": {"dist": "fixed", "value": 1}}]}}],
           "operators": [{"id": "o", "sites": [{"id": "s", "clusters": [
               {"id": "c", "gpu_model": "g", "nodes": 64, "gpus_per_node": 1}]}]}],
           "workloads": [{"id": "w", "cluster": "c", "kind": "synthetic", "arrival": {"process": "interval", "interval_s": 1},
                          "count": 1, "gpus": {"dist": "fixed", "value": 8}, "duration_s": {"dist": "fixed", "value": 360000},
                          "checkpoint": {"interval_s": round(opt), "write_s": delta, "restart_overhead_s": 360}}],
           "scheduling": {"backfill": {"policy": "none"}}, "outputs": {"timeseries_interval_s": 86400}}
    sc = work / "tau.json"
    sc.write_text(json.dumps(doc))
    factors = [0.5, 0.8, 1.0, 1.25, 2.0]
    values = ",".join(str(round(k * opt)) for k in factors)
    run("compare", sc, "--vary", f"/workloads/0/checkpoint/interval_s={values}", "--seeds", "40",
        "--metric", "/failures/goodput", "--out", work / "sweep", "-q", expect=0)
    rows = list(csv.DictReader(open(work / "sweep/compare.csv")))
    check(len(rows) == 200 and all(r["exit_code"] == "0" for r in rows), f"200 runs succeeded ({len(rows)} rows)")
    mean = {}
    for k, v in zip(factors, values.split(",")):
        g = [float(r["/failures/goodput"]) for r in rows if r["/workloads/0/checkpoint/interval_s"] == v]
        mean[k] = sum(g) / len(g)
    best = max(mean, key=mean.get)
    print("   mean goodput by interval / optimum: " + ", ".join(f"{k}x {g:.4f}" for k, g in mean.items()))
    check(0.75 <= best <= 1.25, f"goodput is largest at {best}x the Young/Daly optimum ({opt:.0f} s)")
    check(mean[best] - mean[0.5] > 0.01 and mean[best] - mean[2.0] > 0.01, "intervals far from the optimum lose")

elif case == "compare_jobs":
    if not SHARED.exists():
        skip(f"{SHARED} missing")
    args = ["compare", NASA, "--vary", "/scheduling/backfill/policy=none,easy", "--seeds", "3", "-q"]
    run(*args, "--jobs", "1", "--out", work / "j1", expect=0)
    run(*args, "--jobs", "2", "--out", work / "j2", expect=0)
    check(without_cost_columns(work / "j1/compare.csv") == without_cost_columns(work / "j2/compare.csv"),
          "compare.csv identical with --jobs 1 and --jobs 2")
    runs1 = sorted(p for p in (work / "j1/runs").iterdir() if p.is_dir())
    check(len(runs1) == 6, f"6 runs ({len(runs1)})")
    for r in runs1:
        for f in ("summary.json", "jobs.csv"):
            check((r / f).read_bytes() == (work / "j2/runs" / r.name / f).read_bytes(), f"{r.name}/{f} identical across --jobs")
    md = (work / "j1/compare.md").read_text()
    check("±" in md and "Seeds: 3" in md and "95 %" in md, "compare.md has intervals and the number of seeds")
    rows = list(csv.DictReader(open(work / "j1/compare.csv")))
    check(all(float(r["wall_time_s"]) > 0 and float(r["peak_memory_mib"]) > 0 for r in rows),
          "compare.csv records wall time and peak memory per run")
    seeds = {(r["variant"], r["seed"]) for r in rows}
    check(seeds == {(v, s) for v in "01" for s in "123"}, "every variant ran on the same seeds")
    html = (work / "j1/compare.html").read_text()
    ET.fromstring(html.split("\n", 1)[1])
    check('id="comparison"' in html, "compare.html has the comparison section")
    p = run("compare", NASA, "--vary", "/scheduling/backfill/policy=none,bogus", "--out", work / "bad", expect=2)
    check("variant 1" in p.stderr and "bogus" in p.stderr, "a bad --vary value is refused before any run, naming the variant")

elif case == "shards":
    if not SHARED.exists():
        skip(f"{SHARED} missing")
    spec = work / "sweep.json"
    spec.write_text(json.dumps({"scenario": str(NASA), "vary": {"/scheduling/backfill/policy": ["none", "easy"],
                                                               "/scheduling/queue/policy": ["fcfs", "sjf"]}, "seeds": 2}))
    run("sweep", spec, "--out", work / "all", "-q", expect=0)
    for i in (1, 2, 3):
        run("sweep", spec, "--out", work / f"s{i}", "--shard", f"{i}/3", "-q", expect=0)
    run("merge", work / "s1", work / "s2", work / "s3", "--out", work / "merged", expect=0)
    a, b = without_cost_columns(work / "all/compare.csv"), without_cost_columns(work / "merged/compare.csv")
    check(a == b and len(a) == 9, f"merge of shards 1/3, 2/3, 3/3 equals the unsharded sweep ({len(a) - 1} runs)")
    strip = lambda t: t.split("## Cost")[0]
    check(strip((work / "all/compare.md").read_text()) == strip((work / "merged/compare.md").read_text()),
          "merged compare.md equals the unsharded one")
    sizes = [len(json.loads((work / f"s{i}/sweep.json").read_text())["runs"]) for i in (1, 2, 3)]
    check(sizes == [3, 3, 2], f"shards are balanced slices {sizes}")
    p = run("merge", work / "s1", work / "s3", "--out", work / "m2", expect=2)
    check("none of the shards" in p.stderr, "merge refuses a missing shard")
    run("merge", work / "s1", work / "s1", work / "s2", work / "s3", "--out", work / "m3", expect=2)
    other = work / "other.json"
    other.write_text(json.dumps({"scenario": str(NASA), "vary": {"/scheduling/backfill/policy": ["none"]}, "seeds": 1}))
    run("sweep", other, "--out", work / "o1", "-q", expect=0)
    p = run("merge", work / "s1", work / "o1", "--out", work / "m4", expect=2)
    check("same sweep" in p.stderr, "merge refuses shards of different sweeps")
    run("sweep", spec, "--out", work / "x", "--shard", "4/3", expect=2)
    # Tampered manifests and rows are refused, not trusted (no division by a zero shard count).
    for name, mutate in (("zero-count", lambda m: m["shard"].update(count=0)),
                         ("no-seeds", lambda m: m["spec"].update(seeds=[])),
                         ("not-json", None)):
        bad = work / f"bad-{name}"
        shutil.copytree(work / "s1", bad)
        if mutate:
            m = json.loads((bad / "sweep.json").read_text())
            mutate(m)
            (bad / "sweep.json").write_text(json.dumps(m))
        else:
            (bad / "sweep.json").write_text("{")
        p = run("merge", bad, work / "s2", work / "s3", "--out", work / f"m-{name}", expect=2)
        check("sweep.json" in p.stderr, f"merge refuses a manifest with {name}")
    alien = work / "alien"
    shutil.copytree(work / "s1", alien)
    rows = (alien / "compare.csv").read_text().splitlines()
    rows[1] = "1" + rows[1][1:]  # run 0 relabelled as run 1, which belongs to shard 2
    (alien / "compare.csv").write_text("\n".join(rows) + "\n")
    p = run("merge", alien, work / "s2", work / "s3", "--out", work / "m-alien", expect=2)
    check("does not belong" in p.stderr, "merge refuses a row that is not its shard's")

elif case == "interrupt":
    # The signal is sent once the run's own progress line shows it mid-way, never after a fixed wall-clock
    # time. The progress line goes into a pipe of one page (4 KiB, ~90 lines of the ~500 a run prints) that
    # the test drains line by line: the run blocks on a full pipe, so it can never be more than ~18 % of
    # its horizon ahead of the line the test has read, however fast the machine or slow the test.
    def interrupted(name, scenario, sig, at_pct=10.0):
        out = work / name
        r, w = os.pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen([gpufleet, "run", scenario, "--out", out, "-q", "--progress", "always",
                                 "--progress-interval", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=w)
        os.close(w)
        sent_after, rest = None, []
        with os.fdopen(r, errors="replace") as pipe:
            for line in pipe:
                pct = progress_pct(line)
                if sent_after is None and pct is not None and pct >= at_pct:
                    proc.send_signal(sig)
                    sent_after = line.split()[0]
                elif pct is None:
                    rest.append(line)
        proc.wait(timeout=600)
        check(sent_after is not None, f"{name}: the progress line reached {at_pct} % (signal sent after {sent_after})")
        check(proc.returncode == 128 + sig, f"{name}: exit {proc.returncode} (expected {128 + sig})")
        summary = json.loads((out / "summary.json").read_text())
        check(summary["run"]["complete"] is False, f"{name}: summary.json says complete: false")
        end_date = summary["run"]["end_date"]
        check(0 <= summary["run"]["end_time_s"] < summary["scenario"]["horizon_s"] and end_date[:10] >= (sent_after or ""),
              f"{name}: stopped at {end_date}, after the progress line that triggered the signal and before the horizon")
        check(any("interrupted" in l for l in rest), f"{name}: the user is told where the partial results are")
        jobs = list(csv.DictReader(open(out / "jobs.csv")))
        states = {}
        for j in jobs:
            states[j["state"]] = states.get(j["state"], 0) + 1
        t = summary["total"]["jobs"]
        check(len(jobs) > 0 and len(jobs) == t["submitted"] and states.get("completed", 0) == t["completed"],
              f"{name}: jobs.csv parses and agrees with summary.json ({len(jobs)} jobs, {states})")
        if (out / "rollout.csv").exists():
            list(csv.DictReader(open(out / "rollout.csv")))
        check('id="incomplete"' in (out / "report.html").read_text(), f"{name}: report.html is marked interrupted")
        leftovers = [p.name for p in out.iterdir() if ".tmp" in p.name]
        check(not leftovers, f"{name}: no temporary files left ({leftovers})")

    # The national run, and a run that takes well under a second on this machine: the test holds for both,
    # so it still holds on a machine on which the national run takes a second.
    # (The national fleet's first GPUs come online in late 2025, about 15 % of its horizon.)
    interrupted("korea-int", src / "scenarios/korea-2025.json", signal.SIGINT, at_pct=40.0)
    # SIGTERM (what a batch system sends at its time limit) does the same, with 128 + 15.
    interrupted("korea-term", src / "scenarios/korea-2025.json", signal.SIGTERM, at_pct=25.0)
    interrupted("short-int", SMALL, signal.SIGINT)
    interrupted("short-term", SMALL, signal.SIGTERM, at_pct=50.0)

elif case == "limits":
    base = json.loads(SMALL.read_text())
    def absurd(name, mutate, limit):
        doc = json.loads(json.dumps(base))
        mutate(doc)
        f = work / f"{name}.json"
        f.write_text(json.dumps(doc))
        # --progress always prints its first line when the engine starts: none means refused before any work.
        p = run("run", f, "--out", work / name, "--progress", "always", "--progress-interval", "0", expect=2)
        check(limit in p.stderr and f"--limit {limit}=" in p.stderr and "events/s" not in p.stderr,
              f"{name}: refused up front, before the engine started, naming {limit} "
              f"({p.stderr.strip().splitlines()[0] if p.stderr else ''})")
        check(not (work / name).exists(), f"{name}: nothing written")
    absurd("a-trillion-jobs", lambda d: d.update(horizon_days=60) or d["workloads"][0]["arrival"].update(rate_per_hour=1e9), "max_jobs")
    absurd("a-million-years", lambda d: d.update(horizon_days=365.25e6), "max_horizon_days")
    absurd("a-billion-nodes", lambda d: d["operators"][0]["sites"][0]["clusters"][0].update(nodes=1_000_000_000), "max_nodes")
    absurd("per-second-samples", lambda d: d.update(horizon_days=3650) or d["outputs"].update(timeseries_interval_s=1), "max_timeseries_rows")
    p = run("validate", work / "a-million-years.json", "--limit", "max_horizon_days=1e9", "--limit", "max_jobs=1e15",
            "--limit", "max_timeseries_rows=1e15")
    check(p.returncode == 0, f"--limit raises the limits ({p.stderr.strip()})")
    run("validate", SMALL, "--limit", "max_bananas=1", expect=2)

elif case == "progress":
    # On a terminal (util-linux `script` gives the run a pseudo-terminal) a progress line; otherwise silence.
    # --progress-interval 0 shows every update the engine offers (one per 1/500 of the horizon, counted in
    # simulated time), so the number of updates does not depend on how fast the machine runs.
    if not shutil.which("script"):
        skip("util-linux script not installed")
    run_cmd = [gpufleet, "run", SMALL, "--progress-interval", "0"]
    cmd = " ".join(map(str, run_cmd + ["--out", work / "tty"]))
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    lines = [l for l in p.stdout.replace("\r", "\n").splitlines() if "events/s" in l and "ETA" in l]
    check(p.returncode == 0 and len(lines) >= 400, f"a terminal gets a progress line ({len(lines)} updates, e.g. {lines[:1]})")
    check(all("%" in l and l.lstrip("\x1b[K")[:4].isdigit() for l in lines), "it shows the simulated date and % of the horizon")
    check("\x1b[K" in p.stdout, "on a terminal the line is rewritten in place")
    p = run(*run_cmd[1:], "--out", work / "pipe", expect=0)
    check(p.stderr == "", "not a terminal: nothing on stderr")
    p = subprocess.run(["script", "-qec", cmd + " -q", "/dev/null"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    check("ETA" not in p.stdout, "--quiet: no progress line on a terminal either")
    p = subprocess.run(["script", "-qec", cmd + " --progress never", "/dev/null"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    check(p.returncode == 0 and "ETA" not in p.stdout, "--progress never: no progress line on a terminal")
    p = run(*run_cmd[1:], "--out", work / "always", "-q", "--progress", "always", expect=0)
    lines = p.stderr.splitlines()
    dates = [l.split()[0] for l in lines]
    check(len(lines) >= 400 and "\x1b" not in p.stderr and "\r" not in p.stderr and dates == sorted(dates),
          f"--progress always into a pipe: one plain line per update, in simulated order ({len(lines)} lines)")
    run(*run_cmd[1:], "--out", work / "bad", "--progress", "sometimes", expect=2)
    run(*run_cmd[1:], "--out", work / "bad", "--progress-interval", "nan", expect=2)
    for d in ("pipe", "always"):
        check((work / "tty/jobs.csv").read_bytes() == (work / d / "jobs.csv").read_bytes(),
              f"outputs identical with and without the progress line ({d})")

elif case == "logging":
    # Quiet by default; -v the rollout's milestones, each with its simulated date; -vv every
    # scheduling decision; the result files are the same whatever the verbosity.
    def digests(folder):
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())
                if f.is_file() and f.name != "run.json"}
    runs = {}
    for flags in ([], ["-v"], ["-vv"], ["-v", "-q"]):
        name = "v" + str(len(flags) and flags[0].count("v")) + ("q" if "-q" in flags else "")
        p = run("run", HAND, "--out", work / name, "--progress", "never", *flags, expect=0)
        runs[name] = (p, digests(work / name))
    logged = lambda name: [l for l in runs[name][0].stderr.splitlines() if l.startswith("[")]
    check(not logged("v0"), f"no log lines by default ({logged('v0')[:2]})")
    check(not logged("v1q"), "-q silences -v")
    v1 = logged("v1")
    dated = [l for l in v1 if l.split("] ", 1)[1][:4] == "2025"]
    check(len(v1) > 5 and len(dated) == len(v1), f"every -v line starts with its simulated date ({len(dated)} of {len(v1)})")
    # The milestones of tests/data/rollout-hand.json (one order of 1,504 GPUs, a site short of power).
    for want in ("[supply] 2025-01-01T00:00:00Z order o1: 1000 GPUs allocated (1000 of 1504), its first",
                 "order o1: 504 GPUs allocated (1504 of 1504), the whole order",
                 "[site] 2025-01-18T00:00:00Z cluster c: 25 node(s) online (25 of 250)",
                 "site dc: blocked on power", "site dc: no longer blocked on power",
                 "cluster c: 13 node(s) online (188 of 250)"):
        check(any(want in l for l in v1), f"-v shows: {want}")
    check(not any("starts on" in l for l in v1), "-v does not list scheduling decisions")
    small = work / "small-vv"
    p = run("run", SMALL, "--out", small, "--progress", "never", "-vv", expect=0)
    starts = [l for l in p.stderr.splitlines() if l.startswith("[sched]") and " starts on " in l]
    jobs = list(csv.DictReader(open(small / "jobs.csv")))
    started = [j for j in jobs if j["start_s"]]
    check(len(starts) == len(started), f"-vv logs one line per started job ({len(starts)} lines, {len(started)} started in jobs.csv)")
    # Rejections: the first of each kind per cluster at -v, every one at -vv.
    big = ["--set", "/workloads/0/gpus/values/2=1024"]  # pub-training's largest jobs: twice pub-h100's 512 GPUs
    p1 = run("run", SMALL, "--out", work / "big-v", "--progress", "never", "-v", *big, expect=0)
    p2 = run("run", SMALL, "--out", work / "big-vv", "--progress", "never", "-vv", *big, expect=0)
    rejected = sum(1 for j in csv.DictReader(open(work / "big-vv/jobs.csv")) if j["state"] == "rejected")
    first = [l for l in p1.stderr.splitlines() if "rejected:" in l]
    every = [l for l in p2.stderr.splitlines() if "rejected:" in l]
    check(rejected > 1 and len(first) == 1 and "first job" in first[0] and "larger_than_cluster" in first[0]
          and "pub-h100" in first[0], f"-v: one line for the first of {rejected} rejections ({first})")
    check(len(every) == rejected, f"-vv: a line per rejection ({len(every)} lines, {rejected} in jobs.csv)")
    q = run("run", SMALL, "--out", work / "small-q", "-q", expect=0)
    check(digests(small) == digests(work / "small-q"), "small-synthetic: every result file identical with -vv and -q")
    check(runs["v0"][1] == runs["v1"][1] == runs["v2"][1], "rollout-hand: every result file identical at every verbosity")

elif case == "chromium":
    browser = shutil.which("chromium")
    if not browser:
        skip("chromium not installed (apt-get install chromium)")
    run("run", HAND, "--out", work / "hand", "-q", expect=0)
    page = (work / "hand/report.html").resolve()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={work / 'profile'}", "--enable-logging=stderr", "--v=0"]
    p = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0 and p.stdout.count("<svg") >= 6 and "</html>" in p.stdout,
          f"chromium renders the report ({p.stdout.count('<svg')} svg elements in its DOM)")
    console = [l for l in p.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    check(not console, f"no console errors ({console[:3]})")
    p = subprocess.run([browser, *flags, "--window-size=1100,3000", f"--screenshot={work / 'report.png'}", page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    check((work / "report.png").exists() and (work / "report.png").stat().st_size > 50_000, "screenshot taken")

else:
    unknown_case(case)

finish(case)
