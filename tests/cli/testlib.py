"""What the end-to-end test scripts (workflows_test.py, hostile_test.py, ../scenario/korea_*.py) share: recording checks,
skipping, reading a progress line, and the exit code CTest reads (0 pass, 1 fail, 77 skipped)."""
import sys

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def progress_pct(line):
    """The share of the horizon in a `--progress always` line ("2026-04-02  25.0% ETA ..."), or None."""
    parts = line.split()
    return float(parts[1].rstrip("%")) if len(parts) >= 2 and parts[1].endswith("%") else None


def unknown_case(case):
    print(f"unknown case {case}")
    sys.exit(2)


def finish(case):
    if failures:
        print("\n".join(f"FAILED: {f}" for f in failures))
        sys.exit(1)
    print(f"{case}: all checks passed")
