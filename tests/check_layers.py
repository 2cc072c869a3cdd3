#!/usr/bin/env python3
"""The dependency rules of docs/architecture.md, checked on a source tree.

  check_layers.py ROOT              ROOT holds src/layers.txt, src/, include/gpufleet/ (tests/, bench/)
  check_layers.py --self-test ROOT  the check must pass on a copy of ROOT and fail, naming the rule,
                                    on each of eight deliberately broken copies (CTest layer_rule_fails)

1. src/layers.txt names every folder of src/ once, and its "may include" relation has no cycle.
2. A file in src/F/ includes a folder's header ("G/x.hpp") only when G is F or is allowed for F;
   a header without a folder must be in the file's own folder.
3. The public headers (include/gpufleet/) include only each other, system headers and
   <nlohmann/json_fwd.hpp> (never the whole of nlohmann/json.hpp).
4. Only src/engine/ includes SimGrid (anywhere in the tree).
Prints each violation with its file and line; exit 0 when there is none, 1 otherwise.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_table(path, errors):
    table, order = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, deps = line.partition(":")
            name = name.strip()
            if not sep or not re.fullmatch(r"[a-z_]+", name):
                errors.append(f"{path}:{n}: expected 'folder: folders it may include'")
                continue
            if name in table:
                errors.append(f"{path}:{n}: folder {name} is listed twice")
            table[name] = deps.split()
            order.append(name)
    for name, deps in table.items():
        for d in deps:
            if d not in table:
                errors.append(f"{path}: {name} may include {d}, which the table does not list")
    # A cycle: depth-first search with colours.
    colour = {}

    def visit(node, stack):
        colour[node] = 1
        for d in table.get(node, []):
            if colour.get(d) == 1:
                errors.append(f"{path}: cycle in the layer table: {' -> '.join(stack + [node, d])}")
            elif d in table and colour.get(d) is None:
                visit(d, stack + [node])
        colour[node] = 2

    for name in order:
        if colour.get(name) is None:
            visit(name, [])
    return table


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1), m.group(2)


def sources(folder):
    for base, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".hpp", ".cpp", ".h", ".cc")):
                yield os.path.join(base, name)


def check(root):
    errors = []
    src = os.path.join(root, "src")
    table = read_table(os.path.join(src, "layers.txt"), errors)
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for d in folders:
        if d not in table:
            errors.append(f"src/{d}/: not in src/layers.txt (every folder has a place in the table)")
    for d in table:
        if d not in folders:
            errors.append(f"src/layers.txt: lists {d}, which is not a folder of src/")
    checked = 0
    for d in folders:
        allowed = set(table.get(d, [])) | {d}
        for path in sources(os.path.join(src, d)):
            checked += 1
            rel = os.path.relpath(path, root)
            for n, kind, target in includes(path):
                # An angle include of a project folder (<sim/x.hpp>) resolves through the include
                # path like a quoted one, so it obeys the same table; other angle includes are
                # system and library headers.
                if kind == "<" and not target.startswith("gpufleet/") and target.split("/", 1)[0] not in folders:
                    continue
                head = target.split("/", 1)[0] if "/" in target else None
                if head == "gpufleet":
                    continue
                if head is None:
                    if not os.path.exists(os.path.join(os.path.dirname(path), target)):
                        errors.append(f"{rel}:{n}: includes \"{target}\", which is not in its own folder")
                    continue
                if head not in table:
                    errors.append(f"{rel}:{n}: includes \"{target}\": {head}/ is not a folder of src/")
                elif head not in allowed:
                    errors.append(f"{rel}:{n}: includes \"{target}\": src/{d}/ may include only "
                                  f"{', '.join(sorted(allowed))} (src/layers.txt)")
    public = os.path.join(root, "include", "gpufleet")
    for path in sources(public):
        checked += 1
        rel = os.path.relpath(path, root)
        for n, kind, target in includes(path):
            if kind == '"' and not target.startswith("gpufleet/"):
                errors.append(f"{rel}:{n}: a public header includes \"{target}\" (only gpufleet/ headers)")
            elif kind == "<" and target == "nlohmann/json.hpp":
                errors.append(f"{rel}:{n}: a public header includes <nlohmann/json.hpp>: "
                              "use <nlohmann/json_fwd.hpp> and include the rest in the .cpp")
            elif kind == "<" and target.startswith("nlohmann/") and target != "nlohmann/json_fwd.hpp":
                errors.append(f"{rel}:{n}: a public header includes <{target}>: only <nlohmann/json_fwd.hpp> "
                              "of the JSON library")
            elif kind == "<" and "/" in target and target.split("/")[0] not in ("nlohmann", "gpufleet"):
                errors.append(f"{rel}:{n}: a public header includes <{target}> (a third-party header "
                              "the package does not promise)")
    for top in ("src", "include", "tests", "bench", "examples"):
        for path in sources(os.path.join(root, top)):
            rel = os.path.relpath(path, root)
            if rel.startswith("src/engine/"):
                continue
            for n, kind, target in includes(path):
                if target.startswith("simgrid/"):
                    errors.append(f"{rel}:{n}: includes <{target}>: only src/engine/ includes SimGrid")
    engine = [p for p in sources(os.path.join(src, "engine"))
              if any(t.startswith("simgrid/") for _, _, t in includes(p))]
    if os.path.isdir(os.path.join(src, "engine")) and not engine:
        errors.append("src/engine/ includes no SimGrid header: is the rule still checking anything?")
    return errors, checked, len(table)


def append_line(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def replace_in(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if old not in text:
        raise SystemExit(f"self-test: {path} has no {old!r} to replace")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def self_test(root):
    """Each mutation breaks one rule; the check must name it. The unbroken copy must pass."""
    import shutil
    import tempfile

    mutations = [
        ("a core file includes the CLI", lambda r: append_line(f"{r}/src/core/rng.cpp", '#include "cli/commands.hpp"'),
         'src/core/rng.cpp:', 'src/core/ may include only core'),
        ("a public header includes a private one",
         lambda r: append_line(f"{r}/include/gpufleet/job.hpp", '#include "core/rng.hpp"'),
         "include/gpufleet/job.hpp:", "a public header includes \"core/rng.hpp\""),
        ("a public header includes the whole JSON library",
         lambda r: append_line(f"{r}/include/gpufleet/job.hpp", "#include <nlohmann/json.hpp>"),
         "include/gpufleet/job.hpp:", "use <nlohmann/json_fwd.hpp>"),
        ("a core file includes the CLI with angle brackets",
         lambda r: append_line(f"{r}/src/core/rng.cpp", "#include <cli/commands.hpp>"),
         'src/core/rng.cpp:', 'src/core/ may include only core'),
        ("a public header includes a JSON detail header",
         lambda r: append_line(f"{r}/include/gpufleet/job.hpp", "#include <nlohmann/detail/value_t.hpp>"),
         "include/gpufleet/job.hpp:", "only <nlohmann/json_fwd.hpp>"),
        ("a cycle in the table", lambda r: replace_in(f"{r}/src/layers.txt", "\ncore:", "\ncore: cli"),
         "cycle in the layer table", "core -> cli"),
        ("SimGrid outside the engine", lambda r: append_line(f"{r}/src/sched/plan.cpp", "#include <simgrid/s4u.hpp>"),
         "src/sched/plan.cpp:", "only src/engine/ includes SimGrid"),
        ("a folder the table does not place", lambda r: os.makedirs(f"{r}/src/newthing"),
         "src/newthing/", "not in src/layers.txt"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        def fresh():
            copy = os.path.join(tmp, "tree")
            shutil.rmtree(copy, ignore_errors=True)
            for top in ("src", "include"):
                shutil.copytree(os.path.join(root, top), os.path.join(copy, top))
            return copy
        errors, _, _ = check(fresh())
        if errors:
            print("FAIL unbroken copy: " + "; ".join(errors))
            failures += 1
        else:
            print("ok   the unbroken copy passes")
        for name, mutate, where, what in mutations:
            copy = fresh()
            mutate(copy)
            errors, _, _ = check(copy)
            hit = [e for e in errors if where in e and what in e]
            if hit:
                print(f"ok   {name}: {hit[0]}")
            else:
                print(f"FAIL {name}: expected a violation with '{where}' and '{what}', got {errors}")
                failures += 1
    print(f"{len(mutations) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--self-test":
        return self_test(args[1])
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    errors, checked, folders = check(args[0])
    for e in errors:
        print(e)
    print(f"{checked} files checked against {folders} folders: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
