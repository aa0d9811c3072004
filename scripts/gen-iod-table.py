#!/usr/bin/env python3
"""Generate data/iod-table.txt and data/iod-sample.tsv from iod-attribute-types-2020.tsv.

The engine resolves the PS3.15 combined actions (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) from the
Type of an attribute in the instance's IOD. The source table lists, for every storage SOP
class and every attribute path whose last tag is in the PS3.15 2026c Basic Profile, the
strictest Type (1, 1C, 2, 2C, 3) and module usage (M, C, U) in that SOP class's IOD. It is
6 MB of text; this script turns it into a compact, checked-in form that src/iod.rs embeds:

* paths are interned: each distinct path is written once and numbered;
* SOP classes that share the same attribute set share one "set";
* each set is written as the difference from an earlier set (or from the empty set),
  choosing the bases along a minimum spanning tree, so that near-identical IODs
  (the image IODs share most of their modules) cost a few lines each.

It also writes a small sample of the source rows (a few SOP classes, every 7th row) to
data/iod-sample.tsv, which the unit tests check against the compact table from a
clean clone; the full source is checked too when it is present next to the repository.

Usage: scripts/gen-iod-table.py [--check] PATH/TO/iod-attribute-types-2020.tsv
With --check nothing is written: the exit status is 1 if either output would change.
Only the standard library is used. The output is deterministic (same input, same bytes).

The format of data/iod-table.txt is described in its header and in data/README.md.
"""
import argparse
import os
import re
import sys

FORMAT_VERSION = "v1"
HEADER = ["SOP Class UID", "Path", "Type", "Module Usage"]
TYPES = ["1", "1C", "2", "2C", "3"]
USAGES = ["M", "C", "U"]
UID_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
TAG = r"\([0-9A-F]{4},[0-9A-F]{4}\)"
PATH_RE = re.compile(rf"^{TAG}(/{TAG})*$")

# Keep in sync with `iod::PROVENANCE` in src/iod.rs (a unit test checks the header).
PROVENANCE = (
    "PS3.3 module and IOD tables, 2020 edition, as extracted to JSON in the PyPI package "
    "dicom-standard 0.1.0; attribute paths restricted to those whose last tag is in the "
    "PS3.15 2026c Basic Profile"
)

# SOP classes whose rows are sampled into data/iod-sample.tsv.
SAMPLE_CLASSES = [
    ("1.2.840.10008.5.1.4.1.1.2", "CT Image Storage"),
    ("1.2.840.10008.5.1.4.1.1.4", "MR Image Storage"),
    ("1.2.840.10008.5.1.4.1.1.7", "Secondary Capture Image Storage"),
    ("1.2.840.10008.5.1.4.1.1.88.33", "Comprehensive SR Storage"),
]
SAMPLE_EVERY = 7

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_OUT = os.path.join(ROOT, "data", "iod-table.txt")
SAMPLE_OUT = os.path.join(ROOT, "data", "iod-sample.tsv")


def uid_key(uid):
    return tuple(int(c) for c in uid.split("."))


def path_key(path):
    return tuple(int(t[1:5] + t[6:10], 16) for t in path.split("/"))


def read_source(path):
    """Rows grouped by SOP class: {uid: {path: (type, usage)}}, in source order."""
    problems = []
    classes = {}
    rows = 0
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if header != HEADER:
            sys.exit(f"{path}: unexpected header {header!r}, expected {HEADER!r}")
        for lineno, line in enumerate(f, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 4:
                problems.append(f"line {lineno}: {len(fields)} fields, expected 4")
                continue
            uid, p, typ, usage = fields
            if not UID_RE.match(uid):
                problems.append(f"line {lineno}: malformed SOP class UID {uid!r}")
            if not PATH_RE.match(p):
                problems.append(f"line {lineno}: malformed path {p!r}")
            if typ not in TYPES:
                problems.append(f"line {lineno}: unknown type {typ!r}")
            if usage not in USAGES:
                problems.append(f"line {lineno}: unknown module usage {usage!r}")
            attrs = classes.setdefault(uid, {})
            if p in attrs:
                problems.append(f"line {lineno}: duplicate row for {uid} {p}")
            attrs[p] = (typ, usage)
            rows += 1
    if problems:
        for msg in problems[:50]:
            print(f"{path}: {msg}", file=sys.stderr)
        sys.exit(f"{path}: {len(problems)} problem(s), nothing written")
    return classes, rows


def spanning_order(sets):
    """Order the sets so each one is written as a diff from an earlier one (or from nothing).

    Prim's algorithm on the complete graph whose edge weights are diff sizes, rooted at the
    empty set. Returns [(set index, base index or None, diff size)] in emission order.
    Ties are broken by set index, so the result is deterministic.
    """
    items = [frozenset(s.items()) for s in sets]
    keys = [frozenset(s) for s in sets]

    def diff(new, base):  # lines needed to turn `base` into `new`
        return len(items[new] - items[base]) + len(keys[base] - keys[new])

    best = {i: (len(sets[i]), None) for i in range(len(sets))}
    order = []
    while best:
        i = min(best, key=lambda j: (best[j][0], j))
        cost, base = best.pop(i)
        order.append((i, base, cost))
        for j in best:
            d = diff(j, i)
            if d < best[j][0]:
                best[j] = (d, i)
    return order


def build_table(classes, rows):
    paths = sorted({p for attrs in classes.values() for p in attrs}, key=path_key)
    path_id = {p: i for i, p in enumerate(paths)}

    # distinct attribute sets, numbered in order of their first SOP class (by UID)
    uids = sorted(classes, key=uid_key)
    set_of = {}
    sets = []
    members = []
    for uid in uids:
        key = frozenset(classes[uid].items())
        if key not in set_of:
            set_of[key] = len(sets)
            sets.append(classes[uid])
            members.append([])
        members[set_of[key]].append(uid)

    order = spanning_order(sets)
    new_id = {old: new for new, (old, _, _) in enumerate(order)}

    out = []
    out.append("# IOD attribute-type table for dicom-anonymizer (src/iod.rs embeds it).")
    out.append("# Generated by scripts/gen-iod-table.py from iod-attribute-types-2020.tsv: do not edit.")
    out.append(f"# Source: {PROVENANCE}.")
    out.append("# For every storage SOP class and attribute path: the strictest Type across the")
    out.append("# IOD's modules and the strictest module usage.")
    out.append("#")
    out.append("# Format (tab-separated, one record per line, '#' starts a comment line):")
    out.append("#   iod-table v1 paths=N sets=N sop-classes=N rows=N   first record; counts for checking")
    out.append("#   P <id> <path>          attribute path; ids run 0, 1, 2, ... in file order;")
    out.append("#                          <path> is (gggg,eeee)/(gggg,eeee)/..., sequences first")
    out.append("#   S <id> <base>          starts attribute set <id> (0, 1, 2, ...); it begins as a")
    out.append("#                          copy of the earlier set <base>, or empty if <base> is '-'")
    out.append("#   C <sop-class-uid>      a SOP class whose IOD has the current set")
    out.append("#   A <path-id> <type> <usage>   sets (adds or replaces) an entry of the current set;")
    out.append("#                          type is 1, 1C, 2, 2C or 3; usage is M, C or U")
    out.append("#   D <path-id>            removes an entry inherited from <base>")
    out.append(
        f"iod-table\t{FORMAT_VERSION}\tpaths={len(paths)}\tsets={len(sets)}"
        f"\tsop-classes={len(classes)}\trows={rows}")
    for i, p in enumerate(paths):
        out.append(f"P\t{i}\t{p}")
    for new, (old, base, _) in enumerate(order):
        out.append(f"S\t{new}\t{'-' if base is None else new_id[base]}")
        for uid in members[old]:
            out.append(f"C\t{uid}")
        cur = sets[old]
        prev = {} if base is None else sets[base]
        changed = sorted(
            (path_id[p] for p, v in cur.items() if prev.get(p) != v))
        removed = sorted(path_id[p] for p in prev if p not in cur)
        for pid in changed:
            typ, usage = cur[paths[pid]]
            out.append(f"A\t{pid}\t{typ}\t{usage}")
        for pid in removed:
            out.append(f"D\t{pid}")
    stats = {
        "paths": len(paths),
        "sets": len(sets),
        "sop_classes": len(classes),
        "rows": rows,
        "rows_deduplicated": sum(len(s) for s in sets),
        "entry_lines": sum(cost for _, _, cost in order),
    }
    return "\n".join(out) + "\n", stats


def decode_table(text):
    """Independent reading of the compact form, used to check the output round-trips."""
    paths, sets, classes = [], [], {}
    current = None
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        kind = f[0]
        if kind == "iod-table":
            continue
        if kind == "P":
            assert int(f[1]) == len(paths)
            paths.append(f[2])
        elif kind == "S":
            assert int(f[1]) == len(sets)
            current = {} if f[2] == "-" else dict(sets[int(f[2])])
            sets.append(current)
        elif kind == "C":
            classes[f[1]] = current
        elif kind == "A":
            current[paths[int(f[1])]] = (f[2], f[3])
        elif kind == "D":
            del current[paths[int(f[1])]]
        else:
            raise ValueError(f"unknown record {line!r}")
    return classes


def build_sample(classes):
    out = [
        "# Sample of iod-attribute-types-2020.tsv for the unit tests of src/iod.rs.",
        f"# Generated by scripts/gen-iod-table.py: every {SAMPLE_EVERY}th row (in source order) of",
        "# " + ", ".join(name for _, name in SAMPLE_CLASSES) + ".",
        f"# Source: {PROVENANCE}.",
        "\t".join(HEADER),
    ]
    n = 0
    for uid, name in SAMPLE_CLASSES:
        if uid not in classes:
            sys.exit(f"sample SOP class {uid} ({name}) is not in the source")
        for i, (p, (typ, usage)) in enumerate(classes[uid].items()):
            if i % SAMPLE_EVERY == 0:
                out.append(f"{uid}\t{p}\t{typ}\t{usage}")
                n += 1
    return "\n".join(out) + "\n", n


def write_or_check(path, text, check):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            same = f.read() == text
    except FileNotFoundError:
        same = False
    rel = os.path.relpath(path, ROOT)
    if check:
        print(f"{rel}: {'up to date' if same else 'WOULD CHANGE'}", file=sys.stderr)
        return same
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"{rel}: written, {len(text.encode('utf-8'))} bytes", file=sys.stderr)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="path to iod-attribute-types-2020.tsv")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if an output would change")
    args = ap.parse_args()

    classes, rows = read_source(args.source)
    table, stats = build_table(classes, rows)
    if decode_table(table) != classes:
        sys.exit("internal error: the compact table does not decode to the source")
    sample, sample_rows = build_sample(classes)
    print(", ".join(f"{k}={v}" for k, v in stats.items()) + f", sample_rows={sample_rows}",
          file=sys.stderr)
    ok = write_or_check(TABLE_OUT, table, args.check)
    ok = write_or_check(SAMPLE_OUT, sample, args.check) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
