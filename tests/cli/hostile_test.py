#!/usr/bin/env python3
"""Hostile inputs through the real binary (issue #10): each reproduction of a crash, hang, mix-up or
loss, run under a 4 GB address-space limit (ulimit -v 4000000; not under AddressSanitizer, whose
shadow memory needs more) and a 60 s timeout that only turns a hang into a failure.

  hostile_test.py CASE GPUFLEET SOURCE_DIR WORK_DIR SANITIZED(0|1)

Cases: policy, nesting, horizon, files, traces, signals, folders, small.
Exit 0 pass, 1 fail, 77 skipped."""
import csv
import fcntl
import glob
import gzip
import hashlib
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import time

from testlib import check, failures, finish, progress_pct, unknown_case

case, gpufleet, src, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]).resolve(), pathlib.Path(sys.argv[4]).resolve()
sanitized = sys.argv[5] not in ("0", "OFF", "")
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
SMALL = src / "scenarios/small-synthetic.json"
KOREA = src / "scenarios/korea-2025.json"
NASA = src / "scenarios/nasa-ipsc-fcfs.json"
HANG_S = 60  # the "timeout 60" for each reproduction: a hang detector; each takes well under 20 s here
WAIT_S = 600  # for stopped national runs, which write their partial results (slow under the sanitizers)


def limits():
    if not sanitized:
        resource.setrlimit(resource.RLIMIT_AS, (4_000_000 * 1024, 4_000_000 * 1024))


def run(*args, expect=None, timeout=HANG_S, preexec=limits, **kw):
    try:
        p = subprocess.run([gpufleet, *map(str, args)], capture_output=True, text=True, errors="replace",
                           stdin=subprocess.DEVNULL, timeout=timeout, preexec_fn=preexec, **kw)
    except subprocess.TimeoutExpired:
        failures.append(f"{' '.join(map(str, args))[:200]}: still running after {timeout} s (a hang)")
        print(f"FAIL: hang: {' '.join(map(str, args))[:200]}")
        return subprocess.CompletedProcess(args, -1, "", "")
    if expect is not None and p.returncode != expect:
        failures.append(f"{' '.join(map(str, args))[:300]}: exit {p.returncode}, expected {expect}\n{p.stdout[-1500:]}{p.stderr[-1500:]}")
    return p


def refused(args, *needles, what):
    """Exit 2, every needle in stderr, stderr of bounded size with one diagnostic per line."""
    p = run(*args, expect=2)
    ok = p.returncode == 2 and all(n in p.stderr for n in needles)
    check(ok, f"{what}: exit {p.returncode}, names {needles} ({p.stderr.strip().splitlines()[0][:160] if p.stderr.strip() else ''})")
    return p


def scenario(name, mutate, base=SMALL):
    doc = json.loads(base.read_text())
    mutate(doc)
    if base != SMALL:
        for w in doc.get("workloads", []):
            if "path" in w and not os.path.isabs(w["path"]):
                w["path"] = str((base.parent / w["path"]).resolve())
    f = work / f"{name}.json"
    f.write_text(json.dumps(doc))
    return f


def provenance(folder):
    """Every file in a results folder belongs to the run its summary.json describes."""
    summary = json.loads((folder / "summary.json").read_text())
    listed = summary["outputs"]
    names = sorted(p.name for p in folder.iterdir())
    expected = sorted(list(listed) + ["summary.json", "run.json"])
    if names != expected:
        return f"files {names} != listed {expected}"
    for name, meta in listed.items():
        data = (folder / name).read_bytes()
        if len(data) != meta["bytes"] or hashlib.sha256(data).hexdigest() != meta["sha256"]:
            return f"{name} is not the file summary.json lists"
    run_json = json.loads((folder / "run.json").read_text())
    if run_json["scenario_sha256"] != listed["scenario.json"]["sha256"]:
        return "run.json belongs to another run"
    return ""


if case == "policy":
    # 1. An empty policy name crashed the run (SIGSEGV) although validate said it was valid.
    for kind in ("queue", "backfill", "placement"):
        f = scenario(f"empty-{kind}", lambda d, k=kind: d["scheduling"][k].update(policy=""))
        refused(["validate", f], f"/scheduling/{kind}/policy", 'found ""', what=f"validate: empty {kind} policy")
        refused(["run", f, "--out", work / f"r-{kind}"], f"/scheduling/{kind}/policy", what=f"run: empty {kind} policy")
        refused(["run", SMALL, "--set", f'/scheduling/{kind}/policy=""', "--out", work / f"s-{kind}"],
                f"/scheduling/{kind}/policy", what=f"--set an empty {kind} policy")
    f = scenario("empty-cluster-policy", lambda d: d["operators"][1]["sites"][0]["clusters"][0]["scheduling"]["queue"].update(policy=""))
    refused(["run", f, "--out", work / "cl"], "/operators/1/sites/0/clusters/0/scheduling/queue/policy", what="an empty per-cluster policy")
    refused(["compare", SMALL, "--vary", "/scheduling/backfill/policy=,,", "--out", work / "cmp"], "variant", 'found ""',
            what="compare --vary with empty policy names")
    check(not (work / "cmp").exists(), "compare refused before any run (no output folder)")
    refused(["run", scenario("empty-supply", lambda d: d["supply"]["allocation"].update(policy=""), base=src / "tests/data/rollout-hand.json"),
             "--out", work / "sup"], "/supply/allocation/policy", what="an empty supply policy")

elif case == "nesting":
    # 2. Deep nesting overflowed the stack (SIGSEGV) in recursive JSON handling.
    doc = SMALL.read_text().rstrip().rstrip("}") + ', "junk": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (work / "deep-key.json").write_text(doc)
    refused(["validate", work / "deep-key.json"], "deep-key.json", "nested at most 64 levels", what="a scenario with an unknown key 100,000 arrays deep")
    (work / "deep-patch.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    refused(["run", SMALL, "--patch", work / "deep-patch.json", "--out", work / "p"], "deep-patch.json", "nested at most 64",
            what="a --patch 100,000 objects deep")
    refused(["run", SMALL, "--set", "/seed=" + "[" * 65_000 + "]" * 65_000, "--out", work / "s"], "--set", "nested at most 64",
            what="a --set value of 65,000 nested arrays")
    run("run", SMALL, "--out", work / "ok", "-q", expect=0)
    deep_summary = json.loads((work / "ok/summary.json").read_text())
    deep_summary["junk"] = None
    text = json.dumps(deep_summary).replace('"junk": null', '"junk": ' + "[" * 100_000 + "]" * 100_000)
    (work / "deep-summary.json").write_text(text)
    refused(["diff", work / "ok", work / "deep-summary.json"], "deep-summary.json", "nested at most 64",
            what="diff of a summary.json with a 100,000-deep array")
    (work / "dup.json").write_text(SMALL.read_text().replace('"seed": 20250101,', '"seed": 1, "seed": 2,'))
    refused(["validate", work / "dup.json"], "dup.json: /seed", "each key once", what="a repeated key")
    refused(["compare", SMALL, "--vary", "/seed=" + "[" * 1000, "--out", work / "c"], "--vary", "nested at most 64",
            what="a --vary value nested 1,000 deep")

elif case == "horizon":
    # 3. Without horizon_days nothing bounded simulated time: memory grew without end or the run never ended.
    def no_horizon(d):
        d.pop("horizon_days")
        for w in d["workloads"]:
            w["count"] = 50
    trace = work / "late.swf"
    trace.write_text("1 1000000000000 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1\n")
    f = scenario("late-trace", lambda d: d["workloads"][0].update(path=str(trace)), base=NASA)
    refused(["validate", f], "/workloads/0", "max_horizon_days", "job 1", what="a trace job submitted at 1e12 s")
    refused(["run", f, "--out", work / "late"], "max_horizon_days", what="run: a trace job submitted at 1e12 s")
    (work / "long.swf").write_text("1 10 -1 1e300 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1\n")
    f = scenario("long-trace", lambda d: d["workloads"][0].update(path=str(work / "long.swf")), base=NASA)
    refused(["run", f, "--out", work / "long"], "max_horizon_days", "runs (or asks for)", what="a trace job running 1e300 s")
    f = scenario("interval", lambda d: (no_horizon(d), d["workloads"][0].update(arrival={"process": "interval", "interval_s": 1e12})))
    refused(["run", f, "--out", work / "int"], "/workloads/0", "max_horizon_days", what="a synthetic interval of 1e12 s")
    # What the loader cannot foresee is stopped while running, with partial results: a replay that
    # has not drained by max_horizon_days, and a run that reaches max_timeseries_rows.
    nasa_half = scenario("nasa-half", lambda d: d["workloads"][0].update(submit_scale=0.5), base=NASA)
    p = refused(["run", nasa_half, "--out", work / "drain", "--limit", "max_horizon_days=50"], "max_horizon_days",
                "partial results", what="a replay still running at max_horizon_days")
    if (work / "drain/summary.json").exists():
        s = json.loads((work / "drain/summary.json").read_text())["run"]
        check(s["complete"] is False and s["stop_reason"] == "max_horizon_days" and abs(s["end_time_s"] - 50 * 86400) < 1,
              f"... stopped at the limit, marked incomplete ({s})")
    else:
        check(False, "... left partial results")
    (work / "one.swf").write_text("1 0 -1 864000 1 -1 -1 1 864000 -1 1 1 1 -1 1 -1 -1 -1\n")
    f = scenario("one-long-job", lambda d: (d["workloads"][0].update(path=str(work / "one.swf")),
                                           d["outputs"].update(timeseries_interval_s=60)), base=NASA)
    p = refused(["run", f, "--out", work / "rows", "--limit", "max_timeseries_rows=1000"], "max_timeseries_rows",
                what="a ten-day job sampled every minute, against 1,000 rows")
    if (work / "rows/summary.json").exists():
        s = json.loads((work / "rows/summary.json").read_text())["run"]
        rows = sum(1 for _ in open(work / "rows/timeseries.csv")) - 1
        check(s["stop_reason"] == "max_timeseries_rows" and rows < 1200, f"... stopped near the limit ({rows} rows)")

elif case == "files":
    # 4. A FIFO blocked forever; /dev/zero or a 16 GB sparse file ate memory.
    fifo = work / "fifo.json"
    os.mkfifo(fifo)
    sparse = work / "sparse.json"
    with open(sparse, "wb") as fh:
        fh.truncate(16 << 30)
    for bad, needle in ((fifo, "pipe (FIFO)"), (pathlib.Path("/dev/zero"), "character device"), (sparse, "max_input_mib"),
                        (work, "a directory")):
        refused(["validate", bad], str(bad), needle, what=f"a scenario that is {needle}")
        ext = scenario(f"extends-{bad.name}", lambda d, b=bad: d.update(extends=str(b)))
        refused(["validate", ext], str(bad), needle, what=f"an extends target that is {needle}")
        refused(["run", SMALL, "--patch", bad, "--out", work / "p"], str(bad), needle, what=f"a --patch that is {needle}")
        refused(["diff", bad, bad], str(bad), what=f"diff of a summary that is {needle}")
        refused(["sweep", bad, "--out", work / "sw"], str(bad), needle, what=f"a sweep file that is {needle}")
    run("run", SMALL, "--out", work / "ok", "-q", expect=0)
    refused(["check", SMALL, "--expect", fifo, "--out", work / "chk"], str(fifo), "pipe", what="check --expect a FIFO")
    shard = work / "shard"
    shard.mkdir()
    os.mkfifo(shard / "sweep.json")
    refused(["merge", shard, "--out", work / "m"], "sweep.json", "pipe", what="merge of a manifest that is a FIFO")
    refused(["validate", SMALL, "--limit", "max_input_mib=0.001"], "max_input_mib", what="a scenario over a lowered max_input_mib")

elif case == "traces":
    # 6. Gzip traces had no cap: 140 M lines exhausted memory, a gz of newlines kept validate busy
    # for minutes, 16 GB of NUL bytes were read to the end and called "empty".
    line = b"1 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1\n"
    per_block = (1 << 20) // len(line)
    member = gzip.compress(line * per_block, 9)
    # Concatenated gzip members: the file is ~19 MB and decompresses to 140 M job lines.
    big = work / "140m.swf.gz"
    big.write_bytes(member * (140_000_000 // per_block + 1))
    f = scenario("big-trace", lambda d: d["workloads"][0].update(path=str(big)), base=NASA)
    # With the default max_jobs (20 M) this file is refused at line 20,000,001 after ~16 s and 1.3 GiB
    # (measured by hand, docs/scenario-format.md); the test lowers the limit so that reading up to it
    # stays far inside the hang timeout on any machine: the refusal is the same code.
    cap = 200_000 if sanitized else 2_000_000
    refused(["validate", f, "--limit", f"max_jobs={cap}"], "max_jobs", f"job line {cap + 1}",
            what=f"a 19 MB gzip trace of 140 M job lines against max_jobs = {cap:,}")
    newlines = work / "newlines.swf.gz"
    newlines.write_bytes(gzip.compress(b"\n" * (1 << 20), 9) * 16_000)
    f = scenario("newlines", lambda d: d["workloads"][0].update(path=str(newlines)), base=NASA)
    refused(["validate", f, *(["--limit", "max_trace_mib=512"] if sanitized else [])], "max_trace_mib",
            what="a 16 MB gzip of 16 GB of newlines")
    nul = work / "nul.swf"
    with open(nul, "wb") as fh:
        fh.truncate(16 << 30)
    f = scenario("nul", lambda d: d["workloads"][0].update(path=str(nul)), base=NASA)
    refused(["validate", f], "max_trace_mib", what="16 GB of NUL bytes (larger than max_trace_mib on disk)")
    refused(["validate", f, "--limit", "max_trace_mib=20000"], "NUL byte at byte 0", what="16 GB of NUL bytes, limit raised: refused at byte 0")
    fifo = work / "trace.fifo"
    os.mkfifo(fifo)
    f = scenario("fifo-trace", lambda d: d["workloads"][0].update(path=str(fifo)), base=NASA)
    refused(["validate", f], "pipe", what="a trace that is a FIFO")

elif case == "signals":
    # 5. A doubled stop signal lost the partial results (timeout 3 sends SIGTERM to the child and to its group).
    def started(args, at_pct, cwd=None):
        """Starts gpufleet in a new process group; returns it once its progress line shows at_pct."""
        r, w = os.pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen([gpufleet, *map(str, args), "--progress", "always", "--progress-interval", "0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=w, start_new_session=True)
        os.close(w)
        pipe = os.fdopen(r, errors="replace")
        for line in pipe:
            pct = progress_pct(line)
            if pct is not None and pct >= at_pct:
                break
        return proc, pipe

    for i in range(3):
        out = work / f"double-{i}"
        proc, pipe = started(["run", KOREA, "--out", out, "-q"], 20 + 10 * i)
        proc.send_signal(signal.SIGTERM)   # what timeout does: the child first,
        os.killpg(proc.pid, signal.SIGTERM)  # then its process group
        rest = pipe.read()
        proc.wait(timeout=WAIT_S)
        ok = proc.returncode == 143 and (out / "summary.json").exists()
        s = json.loads((out / "summary.json").read_text())["run"] if ok else {}
        check(ok and s["complete"] is False and s["stop_reason"] == "signal" and not provenance(out),
              f"two SIGTERMs at once: exit {proc.returncode}, partial results whole ({s.get('end_date')})")
        check("already stopping" in rest or "interrupted" in rest, "... the user is told")
    # A third signal quits at once, without results, saying so; the old folder stays as it was.
    out = work / "triple"
    run("run", SMALL, "--out", out, "-q", expect=0)
    before = (out / "summary.json").read_bytes()
    proc, pipe = started(["run", KOREA, "--out", out, "-q"], 20)
    for _ in range(3):
        proc.send_signal(signal.SIGINT)
    rest = pipe.read()
    proc.wait(timeout=WAIT_S)
    # Signals of one kind sent at once may arrive as one: either the third was seen (killed, saying so)
    # or fewer were (a normal stop with partial results); the folder is whole either way.
    check((proc.returncode == -signal.SIGINT and "quitting without" in rest) or proc.returncode == 130,
          f"three SIGINTs: exit {proc.returncode}")
    check((out / "summary.json").exists() and not provenance(out), "... the folder holds one whole run")
    # compare stopped by a SIGINT to its whole process group (a terminal's Ctrl-C).
    out = work / "cmp"
    proc = subprocess.Popen([gpufleet, "compare", KOREA, "--vary", "/supply/allocation/policy=fcfs_orders,pro_rata,site_ready_first",
                             "--jobs", "2", "--out", out], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + WAIT_S
    logs = []
    while time.monotonic() < deadline:  # wait for both children to have started their engines
        logs = glob.glob(str(work / ".cmp.gpufleet-staging-*/runs/*.log"))
        if len(logs) == 2 and all("events/s" in open(l).read() for l in logs):
            break
        time.sleep(0.05)
    check(len(logs) == 2, f"compare: two runs started ({len(logs)})")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT_S)
    check(proc.returncode == 130, f"compare after a group SIGINT: exit {proc.returncode}")
    rows = list(csv.DictReader(open(out / "compare.csv"))) if (out / "compare.csv").exists() else []
    manifest = json.loads((out / "sweep.json").read_text()) if (out / "sweep.json").exists() else {}
    check(len(rows) == 2 and manifest.get("interrupted") is True and manifest.get("runs") == [0, 1],
          f"compare.csv has the two runs started, sweep.json says interrupted ({len(rows)} rows)")
    for r in rows:
        name = f"r{int(r['run']):04}-v{r['variant']}-s{r['seed']}"
        folder = out / "runs" / name
        s = json.loads((folder / "summary.json").read_text())["run"] if (folder / "summary.json").exists() else {}
        check(bool(s) and not provenance(folder) and str(s.get("complete")).lower() == r["complete"] and r["complete"] == "false",
              f"run {name}: partial results whole, compare.csv says complete = {r['complete']}")
    check("incomplete" in err, "compare says which runs are incomplete")

elif case == "folders":
    # 7. A folder held files of two runs: a failed re-run, concurrent runs, stale files.
    out = work / "res"
    run("run", SMALL, "--out", out, "-q", expect=0)
    old = (out / "summary.json").read_bytes()

    def full_disk():
        limits()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))  # writes past 200 kB fail (EFBIG)

    p = run("run", SMALL, "--out", out, "--seed", "7", expect=2, preexec=full_disk)
    check("results were not written" in p.stderr and "unchanged" in p.stderr, f"a re-run on a full disk says so ({p.stderr.strip()[-120:]})")
    check((out / "summary.json").read_bytes() == old and not provenance(out), "... and leaves the old run whole")
    check(not glob.glob(str(work / ".res.gpufleet-staging-*")), "... and no staging folder")
    # Concurrent runs into one folder: it always holds exactly one of them.
    for trial in range(10):
        procs = [subprocess.Popen([gpufleet, "run", SMALL, "--out", out, "--seed", str(s), "-q"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=limits)
                 for s in (trial * 2 + 1, trial * 2 + 2)]
        codes = [p.wait(timeout=HANG_S) for p in procs]
        problem = provenance(out)
        check(codes == [0, 0] and not problem, f"two runs at once into one folder, trial {trial}: {codes} {problem}")
    # Files of an earlier, different run never stay: rollout.csv after a national run, report.html with --no-report.
    run("run", src / "tests/data/rollout-hand.json", "--out", out, "-q", expect=0)
    run("run", SMALL, "--out", out, "-q", "--no-report", expect=0)
    check(not (out / "rollout.csv").exists() and not (out / "report.html").exists() and not provenance(out),
          "a run without rollout and report leaves neither from the run before")
    # A kill -9 leaves a staging folder, never a half-written folder at --out; the next run clears it.
    r, w = os.pipe()
    proc = subprocess.Popen([gpufleet, "run", KOREA, "--out", out, "-q", "--progress", "always", "--progress-interval", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=w)
    os.close(w)
    with os.fdopen(r) as pipe:
        pipe.readline()
        proc.kill()
        pipe.read()
    proc.wait(timeout=WAIT_S)
    stale = glob.glob(str(work / ".res.gpufleet-staging-*"))
    check(len(stale) == 1 and not provenance(out), f"kill -9: --out still whole, one staging folder left ({len(stale)})")
    run("run", SMALL, "--out", out, "-q", expect=0)
    check(not glob.glob(str(work / ".res.gpufleet-staging-*")) and not provenance(out), "the next run removes the stale staging folder")
    # A folder of the user's own is refused, never emptied.
    mine = work / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    refused(["run", SMALL, "--out", mine], "notes.txt", "did not write", what="--out naming a folder with the user's files")
    check((mine / "notes.txt").read_text() == "mine", "... which stays as it was")
    refused(["run", SMALL, "--out", "."], "current folder", what="--out .")
    refused(["run", SMALL, "--out", ""], "empty", what='--out ""')

elif case == "small":
    # The smaller ones of the issue, each pinned.
    blocker = work / "file"
    blocker.write_text("x")
    spec = work / "sweep.json"
    spec.write_text(json.dumps({"scenario": str(SMALL), "vary": {"/horizon_days": [1, 2]}}))
    run("sweep", spec, "--out", work / "shard", "-q", expect=0)
    for cmd in (["compare", SMALL, "--vary", "/horizon_days=1,2"], ["sweep", spec], ["merge", work / "shard"]):
        refused([*cmd, "--out", blocker / "sub"], str(blocker / "sub"), what=f"{cmd[0]} into an unwritable --out (exit 2, not 3)")
    for cfg in ("foo:bar", "contexts/factory:bogus", "contexts/stack-size:abc", "nocolon", "network/model:xyz"):
        refused(["run", SMALL, "--cfg", cfg, "--out", work / "cfg"], "--cfg", what=f"--cfg {cfg}")
    run("run", SMALL, "--out", work / "a", "-q", expect=0)
    for opt in ("--rtol", "--atol"):
        refused(["diff", work / "a", work / "a", opt, "nan"], opt, what=f"diff {opt} nan")
    spec = work / "seeds.json"
    for seeds in ([1, 2 ** 60], [-1]):
        spec.write_text(json.dumps({"scenario": str(SMALL), "vary": {"/seed": [1]}, "seeds": seeds}))
        refused(["sweep", spec, "--out", work / "sw"], "/seeds", what=f"sweep seeds {seeds}")
        check(not (work / "sw").exists(), "... refused before any run")
    refused(["compare", SMALL, "--vary", "/seed=1", "--first-seed", "-1", "--out", work / "c"], "--first-seed", what="--first-seed -1")
    axes = {f"/workloads/0/x{i}": [0, 1] for i in range(64)}
    spec.write_text(json.dumps({"scenario": str(SMALL), "vary": axes}))
    refused(["sweep", spec, "--out", work / "sw64"], "at most 1000000 runs", what="64 two-value axes (2^64 variants)")
    for date in ("2025-+1-01", " 2025-01-1", "2025-01-01T00:00:0Z", "２025-01-01"):
        refused(["validate", SMALL, "--set", f"/start={date}"], "/start", what=f"start date {date!r}")
    refused(["validate", SMALL, "--set", "/operators/0/id=all"], "/operators/0/id", '"all"', what="an operator named all")
    refused(["validate", SMALL, "--set", "/operators/0/sites/0/clusters/0/id=all"], "clusters/0/id", what="a cluster named all")
    huge = "x" * (10_000_000 if sanitized else 100_000_000)  # the sanitizer build parses ~10x slower
    f = work / "huge-id.json"
    f.write_text(SMALL.read_text().replace('"id": "public"', '"id": "' + huge + '"', 1))
    p = refused(["validate", f], "expected an id", what="a 100 MB id")
    check(len(p.stderr) < 5000, f"... the message is short ({len(p.stderr)} bytes for a {len(huge):,}-byte id)")
    f.write_text(SMALL.read_text().replace('"id": "public"', '"id": "a\\nb\\u0000c"', 1))
    p = refused(["validate", f], "expected an id", what="an id with a newline and a NUL")
    check("\\n" in p.stderr and "\\x00" in p.stderr and p.stderr.count("\n") == 2, "... shown escaped, one line per error")
    refused(["validate", work], "a directory", what="a directory as the scenario (not 'unexpected end of input')")
    p = run("validate", SMALL)
    check(p.returncode == 0, "the small scenario still validates")

else:
    unknown_case(case)

finish(case)
