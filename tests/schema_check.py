#!/usr/bin/env python3
"""Checks every shipped scenario against scenarios/schema/scenario-v1.schema.json, and that
the schema rejects documents gpufleet's validator rejects (so the check is not vacuous).
Usage: schema_check.py SOURCE_DIR"""
import copy
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("SKIPPED: python3-jsonschema not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "scenarios/schema/scenario-v1.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)

failures = 0
scenarios = sorted((root / "scenarios").glob("*.json")) + sorted((root / "tests/data").glob("*.json"))
if not scenarios:
    print("no scenarios found"); sys.exit(1)
def merge_patch(target, patch):
    """RFC 7396."""
    if not isinstance(patch, dict):
        return patch
    target = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


def resolved(path):
    """The document gpufleet validates: "extends" applied (trace paths are not checked here)."""
    doc = json.loads(path.read_text())
    if isinstance(doc, dict) and "extends" in doc:
        base = resolved((path.parent / doc.pop("extends")).resolve())
        doc = merge_patch(base, doc)
    return doc


for path in scenarios:
    doc = resolved(path)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print(f"{path}: /{'/'.join(map(str, e.path))}: {e.message}")
    failures += bool(errors)
    print(f"{'FAIL' if errors else 'ok'}: {path.name}")

# Mutations the validator rejects must be rejected by the schema too.
base = json.loads((root / "scenarios/small-synthetic.json").read_text())
CLUSTER = base["operators"][0]["sites"][0]["clusters"][0]["id"]
mutations = {
    "unknown top-level key": lambda d: d.update(surprise=1),
    "negative nodes": lambda d: d["operators"][0]["sites"][0]["clusters"][0].update(nodes=-1),
    "a policy without a name": lambda d: d["scheduling"]["backfill"].pop("policy"),
    "a policy with a numeric name": lambda d: d["scheduling"]["backfill"].update(policy=3),
    "fractional GPUs": lambda d: d["workloads"][0].update(gpus={"dist": "fixed", "value": 1.5}),
    "bad date": lambda d: d.update(start="01/01/2025"),
    "unknown workload key": lambda d: d["workloads"][0].update(colour="red"),
    "a federation uplink of -1 Gbit/s": lambda d: d.update(
        federation={"members": [CLUSTER], "network": {"backbone_gbps": 1, "uplink_gbps": -1}}),
    "a negative rate factor": lambda d: d["workloads"][0]["arrival"].update(
        rate_schedule=[{"from": "2025-02-01", "value": -1}]),
    "a federation without members": lambda d: d.update(
        federation={"network": {"backbone_gbps": 1, "uplink_gbps": 1}}),
}
korea = json.loads((root / "scenarios/korea-2025.json").read_text())
korea_mutations = {
    "a supply policy with a key besides policy and params": lambda d: d["supply"]["allocation"].update(weight=1),
    "negative site power": lambda d: d["operators"][1]["sites"][0]["power_mw"][0].update(value=-5),
    "tranche without due date": lambda d: d["orders"][0]["tranches"][0].pop("due"),
    "unknown event kind": lambda d: d.update(events=[{"kind": "meteor", "date": "2026-01-01"}]),
}
for name, mutate in list(mutations.items()) + list(korea_mutations.items()):
    doc = copy.deepcopy(base if name in mutations else korea)
    mutate(doc)
    rejected = not validator.is_valid(doc)
    print(f"{'ok' if rejected else 'FAIL'}: schema rejects {name}")
    failures += not rejected

# Policy names and parameters are the registry's to check (a binary with its own policies accepts
# names the schema cannot know; gpufleet validate refuses unknown ones): the schema accepts any.
accepted = {
    "a policy name only another binary knows": lambda d: d["scheduling"]["backfill"].update(
        policy="aggressive", params={"depth": 3}),
    "a federated workload with input data": lambda d: (
        d.update(federation={"policy": {"policy": "most_lendable"}, "members": [CLUSTER],
                             "network": {"backbone_gbps": 400, "latency_ms": 5, "uplink_gbps": 100}}),
        d["workloads"][0].update(federated=True, input_gb={"dist": "lognormal", "median": 50, "sigma": 1})),
}
for name, mutate in accepted.items():
    doc = copy.deepcopy(base)
    mutate(doc)
    ok = validator.is_valid(doc)
    print(f"{'ok' if ok else 'FAIL'}: schema accepts {name}")
    failures += not ok

print(f"{len(scenarios) + len(mutations) + len(korea_mutations) + len(accepted) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
