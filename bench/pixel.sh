#!/usr/bin/env bash
# Pixel blackout benchmark (issue 14): `run` with a pixel rule that blacks out the top band
# of every image, against the same `run` without it (the plain streaming copy), on the same
# tree of ultrasound-sized files, alternating in one run; then peak RSS of a blackout on a
# large multi-frame file at two sizes, 10x apart (it must not grow with the file).
# Not a test and not run by CI. Needs cargo and python3 (standard library only).
#
#   bench/pixel.sh                          # 400 files, 5 rounds
#   BENCH_FILES=100 BENCH_RUNS=3 bench/pixel.sh
#   BENCH_BASE=/tmp/old-binary bench/pixel.sh  # also the same rounds with another build
#
# The files are copies of tests/data/burned-in/us-native.dcm (400 x 300 RGB, 360 KB,
# native) with the identifiers in y = 0..60; the rule blacks out (0, 0, 400, 60).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

FILES=${BENCH_FILES:-400}
RUNS=${BENCH_RUNS:-5}
JOBS=${BENCH_JOBS:-2}
if [ -z "${BENCH_OUT:-}" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then BENCH_OUT=/dev/shm/dcmanon-pixel; else BENCH_OUT=${TMPDIR:-/tmp}/dcmanon-pixel; fi
fi
echo "building (release)..." >&2
cargo build --release --quiet --bin dicom-anonymizer --example bench_make_tree
BIN=${BENCH_BIN:-target/release/dicom-anonymizer}
GEN=target/release/examples/bench_make_tree
rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT/src"
for i in $(seq 1 "$FILES"); do
  d="$BENCH_OUT/src/p$((i % 20))"
  mkdir -p "$d"
  cp tests/data/burned-in/us-native.dcm "$d/IM$i.dcm"
done
printf 'dicom-anonymizer-benchmark-key-0001' > "$BENCH_OUT/key.bin"
# the plain copy: the basic profile, nothing matches; the blackout: one unconditional rule
printf 'include builtin:basic\n' > "$BENCH_OUT/plain.anon"
printf 'include builtin:basic\npixel blackout (0, 0, 400, 60)\n' > "$BENCH_OUT/blackout.anon"
# large multi-frame files (512 x 512 x 16 bit, native): 64 and 640 MiB of pixel data
mkdir -p "$BENCH_OUT/large-64" "$BENCH_OUT/large-640"
"$GEN" large "$BENCH_OUT/large-64/big.dcm" 64 native >&2
"$GEN" large "$BENCH_OUT/large-640/big.dcm" 640 native >&2
printf 'include builtin:basic\npixel blackout (0, 0, 512, 40)\n' > "$BENCH_OUT/large.anon"

python3 - "$BIN" "$BENCH_OUT" "$RUNS" "$JOBS" "${BENCH_BASE:-}" <<'PY'
import os, shutil, statistics, subprocess, sys, time

binary, out, runs, jobs, base = sys.argv[1:]
runs = int(runs)

def timed(args):
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(args)} exited {code}: {err}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime

def run(exe, profile, src, dst):
    shutil.rmtree(dst, ignore_errors=True)
    return timed([exe, "run", "-q", "--jobs", jobs, "--key-file", f"{out}/key.bin",
                  "--on-burned-in", "keep", "--profile", f"{out}/{profile}", src, dst])

src = f"{out}/src"
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(src) for f in fs)
n = sum(len(fs) for _, _, fs in os.walk(src))
# BENCH_BASE=OTHER_BINARY: the same rounds with it too, alternating (before / after a change)
exes = [("this build", binary)] + ([("BENCH_BASE", base)] if base else [])
for _, exe in exes:  # warm-up
    run(exe, "plain.anon", src, f"{out}/o1"); run(exe, "blackout.anon", src, f"{out}/o2")
res = {name: ([], [], [], []) for name, _ in exes}
for _ in range(runs):
    for name, exe in exes:
        plain, black, ratios, cpu_ratios = res[name]
        a = run(exe, "plain.anon", src, f"{out}/o1")
        b = run(exe, "blackout.anon", src, f"{out}/o2")
        plain.append(a); black.append(b); ratios.append(b[0] / a[0]); cpu_ratios.append(b[2] / a[2])
def row(name, xs):
    w = statistics.median(x[0] for x in xs)
    c = statistics.median(x[2] for x in xs)
    m = max(x[1] for x in xs)
    print(f"| {name} | {w:.3f} | {c:.3f} | {n / w:.0f} | {size / w / 1e6:.0f} | {m:.1f} |")
print(f"tree: {n} files, {size / 1e6:.0f} MB; {runs} rounds, --jobs {jobs}")
print("| binary | run | wall s (median) | CPU s (median) | files/s | MB/s | peak RSS MB |")
print("|---|---|---|---|---|---|---|")
for name, _ in exes:
    plain, black, ratios, cpu_ratios = res[name]
    row(f"{name} | plain copy (no pixel rule)", plain)
    row(f"{name} | blackout (0, 0, 400, 60) in every file", black)
for name, _ in exes:
    _, _, ratios, cpu_ratios = res[name]
    print(f"{name}: blackout / plain wall time {statistics.median(ratios):.3f}, CPU time (user + system) "
          f"{statistics.median(cpu_ratios):.3f} (medians of per-round ratios)")
print("| large native file, 512 x 512 x 16 bit | profile | wall s | peak RSS MB |")
print("|---|---|---|---|")
for mb in (64, 640):
    d = f"{out}/large-{mb}"
    for name, profile in (("plain copy", "plain.anon"), ("blackout (0, 0, 512, 40) in every frame", "large.anon")):
        dst = f"{out}/large-out-{mb}"
        shutil.rmtree(dst, ignore_errors=True)
        w, rss, _ = timed([binary, "run", "-q", "--key-file", f"{out}/key.bin", "--on-burned-in", "keep",
                           "--profile", f"{out}/{profile}", d, dst])
        print(f"| {mb} MiB of pixel data | {name} | {w:.2f} | {rss:.1f} |")
    shutil.rmtree(f"{out}/large-out-{mb}", ignore_errors=True)
PY
