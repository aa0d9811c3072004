#!/usr/bin/env python3
"""Generates profiles/pixel-signatures.anon (builtin:pixel-signatures, issue 14: part of the
default profile) and profiles/pixel-review.anon (builtin:pixel-review, opt-in) from the
signature lists of pydicom/deid, data/deid/deid.dicom (deid 0.4.13, MIT licence: see
data/deid/LICENSE).

    python3 scripts/gen-pixel-signatures.py          # rewrite both profiles
    python3 scripts/gen-pixel-signatures.py --check  # exit 1 if one is not current

The source was fetched with `pip download --no-deps deid==0.4.13` (deid/data/deid.dicom of
the wheel). Every LABEL of its three `%filter` sections becomes a `when` block with one
`pixel` statement, in the file's order (whitelist, graylist, blacklist):

- graylist with rectangles (into pixel-signatures): `pixel blackout`; `coordinates XMIN,YMIN,XMAX,YMAX` becomes
  (XMIN, YMIN, XMAX - XMIN, YMAX - YMIN); `ctpcoordinates X,Y,W,H` is (X, Y, W, H) as it is
  (deid's own reading of both); `keepcoordinates` are ignored (that blacks out more);
- graylist without rectangles (deid only flags them) and blacklist (into pixel-review):
  `pixel flag "REASON"`, the reason naming the section, the label and its line;
- whitelist (into pixel-review): `pixel accept "REASON"`, with `and not BurnedInAnnotation ~ r"(?i)^YES$"`
  added (a model catch-all never overrules the header's YES).

Conditions: `contains F V` becomes `F ~ r"(?i)V"` (deid: case-insensitive `re.search`);
`notcontains` its negation; `equals F V` a case-insensitive whole-value match, or `F == V`
for a number of a numeric attribute; `notequals` its negation; `missing F` `not exists F`;
`present F` `exists F`; `empty F` `F == ""` (present and empty, as deid's); within a line,
`+` is `and` and `||` is `or`, combined left to right; the lines of a label must all hold
(deid's pixels/detect.py ignores the operator that starts a line).

Left out, and listed in the output's header: a label whose condition names an attribute
that is not in the dictionary (data/dictionary.tsv), and a label whose lines cannot all
hold (`contains F ...` and `empty F`), which deid can never match either.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "deid" / "deid.dicom"
DICTIONARY = ROOT / "data" / "dictionary.tsv"
OUT = ROOT / "profiles" / "pixel-signatures.anon"
REVIEW = ROOT / "profiles" / "pixel-review.anon"
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


def reason(section, name, author, line):
    who = f" ({author})" if author else ""
    text = f"deid {section}: {name}{who}, deid.dicom line {line}"
    return text.replace("\\", "/").replace('"', "'")


def contradiction(filters):
    """deid requires every line: a line `contains F ...` and a line `empty F` cannot both
    hold (an empty value contains nothing)."""
    single = [f for f in filters if not re.search(r"\|\||\+", f.lstrip("+|").strip()[1:])]
    words = [f.lstrip("+|").split() for f in single]
    contains = {w[1] for w in words if len(w) > 1 and w[0].lower() == "contains"}
    empty = {w[1] for w in words if len(w) > 1 and w[0].lower() == "empty"}
    both = sorted(contains & empty)
    return both[0] if both else None


def generate():
    """(pixel-signatures text, pixel-review text)."""
    vrs = dictionary()
    text = SOURCE.read_text()
    blackouts, verdicts, skipped = [], [], []
    counts = {"whitelist": 0, "graylist": 0, "flag-only": 0, "blacklist": 0}
    totals = {"whitelist": 0, "graylist": 0, "blacklist": 0}
    for section, name, author, line, body in labels(text):
        totals[section] += 1
        rects = regions(body)
        filters = [b for b in body if not b.split(" ", 1)[0].lower().endswith("coordinates")]
        if any(w <= 0 or h <= 0 for (_, _, w, h) in rects):
            skipped.append(f"{section} {name} (line {line}): an empty rectangle")
            continue
        both = contradiction(filters)
        if both:
            skipped.append(
                f"{section} {name} (line {line}): its lines cannot all hold "
                f"(`contains {both}` and `empty {both}`; deid requires every line)"
            )
            continue
        try:
            cond = condition(filters, vrs)
        except KeyError as e:
            skipped.append(f"{section} {name} (line {line}): {e.args[0]} is not a DICOM keyword")
            continue
        except ValueError as e:
            skipped.append(f"{section} {name} (line {line}): {e}")
            continue
        why = reason(section, name, author, line)
        who = f" ({author})" if author else ""
        head = f"# {name}{who}, deid.dicom line {line}"
        out = verdicts
        if section == "whitelist":
            # never over Burned In Annotation YES: the header's own word wins
            guard = 'not BurnedInAnnotation ~ r"(?i)^YES$"'
            cond = f"({cond}) and {guard}" if " or " in cond else f"{cond} and {guard}"
            stmt = f'pixel accept "{why}"'
            counts["whitelist"] += 1
        elif section == "blacklist":
            stmt = f'pixel flag "{why}"'
            counts["blacklist"] += 1
        elif rects:
            stmt = "pixel blackout " + ", ".join(f"({x}, {y}, {w}, {h})" for (x, y, w, h) in rects)
            counts["graylist"] += 1
            out = blackouts
        else:
            stmt = f'pixel flag "{why} (no rectangles: flag only)"'
            counts["flag-only"] += 1
        out.append(f"{head}\nwhen {cond} {{\n  {stmt}\n}}\n")
    source = [
        "#",
        "# GENERATED by scripts/gen-pixel-signatures.py from data/deid/deid.dicom: do not edit.",
        "# Source: pydicom/deid 0.4.13, deid/data/deid.dicom (its `%filter` sections),",
        "# MIT licence, Copyright (c) 2016-2022 Vanessa Sochat (data/deid/LICENSE); the signatures",
        "# credit their authors (Susan Weber, RSNA CTP, Vanessa Sochat, ...) as below.",
        "#",
    ]
    tally = [
        f"# Converted: {counts['graylist']} of {totals['graylist']} graylist labels as blackouts (builtin:pixel-signatures);",
        f"# {counts['flag-only']} graylist labels without rectangles and {counts['blacklist']} of {totals['blacklist']} blacklist labels as",
        f"# flags, {counts['whitelist']} of {totals['whitelist']} whitelist labels as accepts (builtin:pixel-review). Not converted ({len(skipped)}):",
    ]
    tally += [f"#   {s}" for s in skipped] or ["#   (none)"]
    signatures = [
        "# builtin:pixel-signatures: regions of burned-in text of known devices and software.",
        *source,
        "# Each signature (deid's graylist labels with rectangles): when the header matches",
        "# (original values), the rectangles (x, y, width, height in pixels, every frame) are",
        "# blacked out; see docs/language.md. deid's other labels are in builtin:pixel-review.",
        *tally,
    ]
    review = [
        "# builtin:pixel-review: deid's review lists, opt-in (include it after the default",
        "# profile or builtin:pixel-signatures).",
        *source,
        "# In deid's order (whitelist, graylist, blacklist; see docs/language.md):",
        "# - graylist labels without rectangles and blacklist labels: `pixel flag` (written and",
        "#   flagged burned-in-risk by default; `run --on-burned-in reject` rejects them); a flag",
        "#   also withdraws the Clean Pixel Data claim of a signature's blackout;",
        "# - whitelist labels: `pixel accept`, except where Burned In Annotation is YES.",
        "# Of the flags and accepts that hold, the last decides: a blacklist label overrides a",
        "# whitelist one, and a profile included after this one overrides both.",
        *tally,
    ]
    return (
        "\n".join(signatures) + "\n\n" + "\n".join(blackouts),
        "\n".join(review) + "\n\n" + "\n".join(verdicts),
    )


def main():
    texts = dict(zip((OUT, REVIEW), generate()))
    if "--check" in sys.argv[1:]:
        for path, text in texts.items():
            if not path.exists() or path.read_text() != text:
                sys.exit(f"{path.relative_to(ROOT)} is not current: run python3 scripts/gen-pixel-signatures.py")
        return
    for path, text in texts.items():
        path.write_text(text)


if __name__ == "__main__":
    main()
