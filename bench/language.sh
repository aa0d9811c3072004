#!/usr/bin/env bash
# The study language's cost: `run` with a profile of 20 `when` blocks, two lookup tables
# and VR selectors (bench/study-profile, generated here) against the built-in default,
# on the same tree, alternating, in one run. Reports the median of per-round ratios.
# Not a test and not run by CI. Needs cargo and python3 (standard library only).
#
#   bench/language.sh                  # 1000 files, 3 rounds
#   BENCH_FILES=300 BENCH_RUNS=2 bench/language.sh
#
# Conditions are evaluated once per file on the original values; the plan specialised to
# the outcome is built once per distinct outcome and cached, so the profile should cost
# little more than the default (the issue's target: within 10% of its throughput).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

FILES=${BENCH_FILES:-1000}
RUNS=${BENCH_RUNS:-3}
JOBS=${BENCH_JOBS:-2}
OUT=${BENCH_OUT:-${TMPDIR:-/tmp}/dcmanon-bench-language}
SRC=${BENCH_SRC:-target/bench/tree-$FILES}

cargo build --release --quiet --bin dicom-anonymizer --example bench_make_tree
BIN=target/release/dicom-anonymizer
GEN=target/release/examples/bench_make_tree
if [ ! -d "$SRC" ]; then
  rm -rf "$SRC.partial"
  "$GEN" tree tests/data/corpus/files "$SRC.partial" "$FILES" >&2
  mv "$SRC.partial" "$SRC"
fi
mkdir -p "$OUT"
KEY=$OUT/key.bin
printf 'dicom-anonymizer-benchmark-key-0001' > "$KEY"

# the profile: basic + extra, 2 tables (every key maps; unknown keys hash), VR
# selectors, 20 when blocks over the attributes real studies test
P=$OUT/profile
mkdir -p "$P"
python3 - "$P" <<'PY'
import sys, os
p = sys.argv[1]
with open(os.path.join(p, "subjects.csv"), "w") as f:
    f.write("PatientID,SubjectID\n")
    for i in range(5000):
        f.write(f"P{i:05d},SUBJ-{i:05d}\n")
with open(os.path.join(p, "sites.csv"), "w") as f:
    f.write("InstitutionName,Site\n")
    for i in range(200):
        f.write(f"Hospital {i},SITE-{i:03d}\n")
modalities = ["US", "CT", "MR", "CR", "DX", "NM", "PT", "XA", "MG", "SR"]
lines = [
    "include builtin:basic",
    "include builtin:extra",
    'table subjects "subjects.csv" key PatientID value SubjectID',
    'table sites "sites.csv" key InstitutionName value Site',
    "PatientID lookup subjects else hash",
    "PatientName lookup subjects by PatientID else hash",
    "InstitutionName lookup sites else hash",
    "vr PN replace",
    "vr DA shift-date days -730..-30",
    "vr UI uid",
]
for i in range(20):
    m = modalities[i % len(modalities)]
    if i < 10:
        cond = f'Modality == "{m}"'
    else:
        cond = f'Manufacturer ~ r"(?i)vendor{i}" or (exists BurnedInAnnotation and Rows >= {100 * i})'
    lines += [f"when {cond} {{", "    StationName keep", f"    SeriesDescription truncate {8 + i}", "}"]
with open(os.path.join(p, "study.anon"), "w") as f:
    f.write("\n".join(lines) + "\n")
PY
"$BIN" lint "$P/study.anon" >&2

python3 - "$BIN" "$SRC" "$OUT" "$KEY" "$RUNS" "$JOBS" "$P/study.anon" <<'PY'
import os, shutil, statistics, subprocess, sys, time
binary, src, out, key, runs, jobs, profile = sys.argv[1:]
runs = int(runs)
def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
cmds = {
    "built-in default": [binary, "run", "--quiet", "--jobs", jobs, "--key-file", key, src],
    "study profile": [binary, "run", "--quiet", "--jobs", jobs, "--key-file", key, "--profile", profile, src],
}
ratios, times = [], {k: [] for k in cmds}
for r in range(runs + 1):
    round_t = {}
    for name, cmd in cmds.items():
        dst = os.path.join(out, "dst")
        shutil.rmtree(dst, ignore_errors=True)
        round_t[name] = timed(cmd + [dst])
    if r == 0:
        continue  # warm-up
    for k, v in round_t.items():
        times[k].append(v)
    ratios.append(round_t["study profile"] / round_t["built-in default"])
for k, v in times.items():
    print(f"{k:18} median {statistics.median(v):.2f} s over {len(v)} runs")
print(f"study profile / built-in default (wall time, median of {len(ratios)} rounds): {statistics.median(ratios):.3f}")
PY
