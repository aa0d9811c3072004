#!/usr/bin/env python3
"""Generates profiles/pixel-signatures.anon (builtin:pixel-signatures, issue 14) from the
signature list of pydicom/deid, data/deid/deid.dicom (deid 0.4.13, MIT licence: see
data/deid/LICENSE).

    python3 scripts/gen-pixel-signatures.py          # rewrite the profile
    python3 scripts/gen-pixel-signatures.py --check  # exit 1 if the profile is not current

The source was fetched with `pip download --no-deps deid==0.4.13` (deid/data/deid.dicom of
the wheel). Every LABEL of its `%filter graylist` with rectangles becomes a `when` block
with one `pixel blackout` statement:

- `coordinates XMIN,YMIN,XMAX,YMAX` becomes (XMIN, YMIN, XMAX - XMIN, YMAX - YMIN);
  `ctpcoordinates X,Y,W,H` is (X, Y, W, H) as it is (deid's own reading of both);
- `contains F V` becomes `F ~ r"(?i)V"` (deid: case-insensitive `re.search`);
  `notcontains` its negation; `equals F V` a case-insensitive whole-value match, or
  `F == V` for a number of a numeric attribute; `notequals` its negation; `missing F`
  `not exists F`; `present F` `exists F`; `empty F` `F == ""`;
- within a line, `+` is `and` and `||` is `or`, combined left to right; the lines of a
  label must all hold (deid's pixels/detect.py ignores the operator that starts a line).

Labels without rectangles (flag-only), `keepcoordinates` (areas kept inside a blacked-out
one: ignoring them blacks out more) and the whitelist and blacklist sections are not
signatures; the header of the output counts what was left out. A label whose condition
names an attribute that is not in the dictionary (data/dictionary.tsv) is left out too,
and listed.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "deid" / "deid.dicom"
DICTIONARY = ROOT / "data" / "dictionary.tsv"
OUT = ROOT / "profiles" / "pixel-signatures.anon"
FILTERS = r"\b(contains|notcontains|equals|notequals|missing|present|empty)\b"
NUMERIC = {"US", "SS", "UL", "SL", "IS", "DS", "FL", "FD", "UV", "SV"}


def dictionary():
    vrs = {}
    for line in DICTIONARY.read_text().splitlines():
        if line.startswith("#") or line.startswith("tag\t"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1]:
            vrs[parts[1]] = (parts[0], parts[2])
    return vrs


def subject(field, vrs):
    """The keyword, or for a repeating group (60xx) its first group's tag."""
    tag = vrs[field][0]
    return tag.replace("xx", "00") if "xx" in tag else field


def labels(text):
    """(section, name, author, line number, body lines) of every LABEL."""
    section = None
    current = None
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("%filter"):
            section = line.split()[1]
            current = None
            continue
        if line.startswith("LABEL"):
            head = line[len("LABEL"):]
            name, _, author = head.partition("#")
            author = author.strip().strip("()").strip()
            current = (section, name.strip(), author, n, [])
            out.append(current)
            continue
        if current is not None and line and not line.startswith("#"):
            current[4].append(line)
    return out


def raw(text):
    if '"' in text:
        raise ValueError("a quote in a value")
    return f'r"{text}"'


def test(member, vrs):
    """One deid filter (`contains F V`, ...) as a condition of the language."""
    action, _, rest = member.strip().partition(" ")
    action = action.lower()
    field, _, value = rest.strip().partition(" ")
    value = value.strip()
    if field not in vrs:
        raise KeyError(field)
    numeric = vrs[field][1] in NUMERIC and re.fullmatch(r"-?\d+(\.\d+)?", value)
    field = subject(field, vrs)
    if action == "contains":
        return f"{field} ~ {raw('(?i)' + value)}"
    if action == "notcontains":
        return f"not {field} ~ {raw('(?i)' + value)}"
    if action in ("equals", "notequals"):
        t = f"{field} == {value}" if numeric else f"{field} ~ {raw('(?i)^' + re.escape(value) + '$')}"
        return t if action == "equals" else f"not ({t})"
    if action == "missing":
        return f"not exists {field}"
    if action == "present":
        return f"exists {field}"
    if action == "empty":
        return f'{field} == ""'
    raise ValueError(f"filter `{action}`")


def split_ops(line):
    """A filter line into (operator, member) pairs; the first operator is None."""
    parts = []
    op = None
    rest = line
    while True:
        m = re.search(r"\|\||\+", rest)
        # deid splits only where a filter follows (`SOMATOM Definition AS+` is a value)
        if m is None or not re.search(FILTERS, rest[m.end():]):
            parts.append((op, rest.strip()))
            return parts
        parts.append((op, rest[: m.start()].strip()))
        op = "or" if m.group() == "||" else "and"
        rest = rest[m.end():]


def condition(body, vrs):
    """deid (pixels/detect.py) evaluates each line left to right with its own operators,
    then requires every line (the operator that starts a line is not used)."""
    lines = []
    for line in body:
        if line.startswith("+"):
            line = line[1:]
        elif line.startswith("||"):
            line = line[2:]
        expr = None
        for op, member in split_ops(line):
            t = test(member, vrs)
            expr = t if expr is None else f"({expr}) {op} ({t})"
        lines.append(expr)
    if len(lines) == 1:
        return lines[0]
    return " and ".join(f"({e})" if " or " in e else e for e in lines)


def regions(body):
    out = []
    for line in body:
        word, _, rest = line.partition(" ")
        if not word.endswith("coordinates"):
            continue
        nums = [int(x) for x in rest.replace(" ", "").split(",")]
        if word == "coordinates":
            x0, y0, x1, y1 = nums
            out.append((x0, y0, x1 - x0, y1 - y0))
        elif word == "ctpcoordinates":
            out.append(tuple(nums))
    return out


def generate():
    vrs = dictionary()
    text = SOURCE.read_text()
    blocks, skipped, flag_only, other = [], [], 0, 0
    for section, name, author, line, body in labels(text):
        if section != "graylist":
            other += 1
            continue
        rects = regions(body)
        filters = [b for b in body if not b.split(" ", 1)[0].endswith("coordinates")]
        if not rects:
            flag_only += 1
            continue
        if any(w <= 0 or h <= 0 for (_, _, w, h) in rects):
            skipped.append(f"{name} (line {line}): an empty rectangle")
            continue
        try:
            cond = condition(filters, vrs)
        except KeyError as e:
            skipped.append(f"{name} (line {line}): {e.args[0]} is not a DICOM keyword")
            continue
        except ValueError as e:
            skipped.append(f"{name} (line {line}): {e}")
            continue
        rs = ", ".join(f"({x}, {y}, {w}, {h})" for (x, y, w, h) in rects)
        who = f" ({author})" if author else ""
        blocks.append(f"# {name}{who}, deid.dicom line {line}\nwhen {cond} {{\n  pixel blackout {rs}\n}}\n")
    head = [
        "# builtin:pixel-signatures: regions of burned-in text of known devices and software.",
        "#",
        "# GENERATED by scripts/gen-pixel-signatures.py from data/deid/deid.dicom: do not edit.",
        "# Source: pydicom/deid 0.4.13, deid/data/deid.dicom (the `%filter graylist` section),",
        "# MIT licence, Copyright (c) 2016-2022 Vanessa Sochat (data/deid/LICENSE); the signatures",
        "# credit their authors (Susan Weber, RSNA CTP, Vanessa Sochat, ...) as below.",
        "#",
        "# Each signature: when the header matches (original values), the rectangles",
        "# (x, y, width, height in pixels, every frame) are blacked out; see docs/language.md.",
        f"# {len(blocks)} signatures; not taken: {flag_only} graylist labels without rectangles,",
        f"# {other} labels of the whitelist and blacklist sections, {len(skipped)} labels that cannot be",
        "# written in the language:",
    ]
    head += [f"#   {s}" for s in skipped] or ["#   (none)"]
    return "\n".join(head) + "\n\n" + "\n".join(blocks)


def main():
    text = generate()
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is not current: run python3 scripts/gen-pixel-signatures.py")
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
