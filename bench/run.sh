#!/usr/bin/env bash
# Throughput benchmark: `dicom-anonymizer run` against `cp -r` on the same tree, in the
# same run, alternating; then one large file (native and encapsulated pixel data).
# Not a test and not run by CI. Needs cargo and python3 (standard library only).
#
#   bench/run.sh                       # 2000 files, 5 runs each, outputs on /dev/shm
#   BENCH_FILES=500 BENCH_RUNS=3 bench/run.sh
#
# Environment:
#   BENCH_FILES     files in the tree (default 2000)
#   BENCH_RUNS      timed runs of each command, after one warm-up run (default 5)
#   BENCH_OUT       where outputs (and the large files) go (default /dev/shm/dcmanon-bench
#                   where /dev/shm exists, else ${TMPDIR:-/tmp}/dcmanon-bench)
#   BENCH_SRC       where the tree is built (default target/bench/tree-N; kept between
#                   runs, rebuilt when missing)
#   BENCH_JOBS      --jobs for the tool (default 2)
#   BENCH_LARGE_MB  pixel data of the large files in MiB (default 1024; 0 skips them)
#   BENCH_BIN       the binary to measure (default: target/release/dicom-anonymizer, built)
#   BENCH_COMPARE   another dicom-anonymizer binary to run in the same rounds (e.g. one
#                   built from an older commit), to compare two builds in one run
#
# Every command's wall time, user and system CPU time and peak RSS come from wait4(2)
# (python3 os.wait4), so they are exact for the process and its threads. The table shows
# medians; the ratio to `cp -r` is the median of the per-round ratios (each round runs
# both commands back to back), which is less sensitive to a noisy neighbour than the
# ratio of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
# A backtrace setting makes every error that dicom-rs creates and handles internally (an
# end of file where a data set may end, say) capture a backtrace: measure without it.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

FILES=${BENCH_FILES:-2000}
RUNS=${BENCH_RUNS:-5}
JOBS=${BENCH_JOBS:-2}
LARGE_MB=${BENCH_LARGE_MB:-1024}
if [ -z "${BENCH_OUT:-}" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then BENCH_OUT=/dev/shm/dcmanon-bench; else BENCH_OUT=${TMPDIR:-/tmp}/dcmanon-bench; fi
fi
SRC=${BENCH_SRC:-target/bench/tree-$FILES}

echo "building (release)..." >&2
cargo build --release --quiet --bin dicom-anonymizer --example bench_make_tree
BIN=${BENCH_BIN:-target/release/dicom-anonymizer}
GEN=target/release/examples/bench_make_tree

if [ ! -d "$SRC" ]; then
  echo "making the tree $SRC ($FILES files)..." >&2
  rm -rf "$SRC.partial"
  "$GEN" tree tests/data/corpus/files "$SRC.partial" "$FILES" >&2
  mv "$SRC.partial" "$SRC"
fi
mkdir -p "$BENCH_OUT"
KEY=$BENCH_OUT/key.bin
printf 'dicom-anonymizer-benchmark-key-0001' > "$KEY"

python3 - "$BIN" "$GEN" "$SRC" "$BENCH_OUT" "$KEY" "$RUNS" "$JOBS" "$LARGE_MB" "${BENCH_COMPARE:-}" <<'PY'
import os, shutil, statistics, subprocess, sys, time, datetime, platform

binary, gen, src, out, key, runs, jobs, large_mb, other = sys.argv[1:]
runs, large_mb = int(runs), int(large_mb)

def tree_size(root):
    n = b = 0
    for d, _, fs in os.walk(root):
        for f in fs:
            n += 1
            b += os.path.getsize(os.path.join(d, f))
    return n, b

RSS_FILE = os.path.join(out, "rss.txt")

def measure(cmd):
    """Run cmd; wall s, user s, sys s, peak RSS (KiB), exit status.

    Wall and CPU times come from wait4 on the child (CPU includes the threads and
    children it waited for). Peak RSS comes from /usr/bin/time, because a child forked
    from python inherits python's RSS high-water mark across exec, which would hide a
    peak below python's own size; /usr/bin/time is small. Its own overhead (under 1 ms,
    the same for every command) is included in the times."""
    wrapped = ["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + cmd if HAVE_TIME else cmd
    t = time.perf_counter()
    p = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    rss = float("nan")
    if HAVE_TIME:
        with open(RSS_FILE) as f:
            last = f.read().split()
        rss = float(last[-1]) if last else rss
    return wall, ru.ru_utime, ru.ru_stime, rss, code

HAVE_TIME = os.access("/usr/bin/time", os.X_OK)
if not HAVE_TIME:
    print("# note: /usr/bin/time not found: peak RSS is not measured (nan)")

def clear(path):
    shutil.rmtree(path, ignore_errors=True)

files, nbytes = tree_size(src)
dst = os.path.join(out, "out")
commands = {
    "cp -r": ["cp", "-r", src, dst],
    f"dicom-anonymizer --jobs {jobs}": [binary, "run", "--key-file", key, "--quiet",
                                        "--jobs", jobs, src, dst],
}
if other:
    commands[f"BENCH_COMPARE --jobs {jobs}"] = [other, "run", "--key-file", key, "--quiet",
                                               "--jobs", jobs, src, dst]
print(f"# {datetime.date.today()}  {platform.node()}  {os.cpu_count()} cores  "
      f"kernel {platform.release()}")
print(f"# tree: {src}: {files} files, {nbytes/1e6:.1f} MB; outputs in {out}")
print(f"# binary: {binary}" + (f", BENCH_COMPARE: {other}" if other else "")
      + f"; {runs} timed runs of each command, alternating, after a warm-up")
results = {name: [] for name in commands}
for r in range(runs + 1):
    for name, cmd in commands.items():
        clear(dst)
        m = measure(cmd)
        if m[4] != 0:
            sys.exit(f"{name} failed with status {m[4]}: {' '.join(cmd)}")
        if r > 0:
            results[name].append(m)
clear(dst)

cp = results["cp -r"]
print()
print(f"{'command':<28} {'wall s':>7} {'files/s':>8} {'MB/s':>7} {'user s':>7} {'sys s':>7} "
      f"{'user us/file':>12} {'CPU us/file':>11} {'peak RSS':>9} {'x cp -r':>8}")
for name, ms in results.items():
    wall = statistics.median(m[0] for m in ms)
    user = statistics.median(m[1] for m in ms)
    sys_ = statistics.median(m[2] for m in ms)
    rss = max(m[3] for m in ms)
    ratio = statistics.median(m[0] / c[0] for m, c in zip(ms, cp))
    print(f"{name:<28} {wall:>7.3f} {files/wall:>8.0f} {nbytes/1e6/wall:>7.0f} {user:>7.3f} "
          f"{sys_:>7.3f} {user/files*1e6:>12.0f} {(user+sys_)/files*1e6:>11.0f} "
          f"{rss/1024:>7.1f}MB {ratio:>7.2f}x")
print()
print("wall s per round (" + " / ".join(results) + "):",
      "  ".join("/".join(f"{ms[i][0]:.3f}" for ms in results.values()) for i in range(runs)))

if large_mb > 0:
    print()
    print(f"# one large file, {large_mb} MiB of pixel data (512x512x16 frames), "
          f"then (FFFC,FFFC); best of 3 runs")
    print(f"{'file':<14} {'size MB':>8} {'command':<18} {'wall s':>7} {'user s':>7} "
          f"{'sys s':>7} {'peak RSS':>9}")
    for kind in ("native", "encapsulated"):
        big = os.path.join(out, f"large-{kind}.dcm")
        subprocess.run([gen, "large", big, str(large_mb), kind], check=True,
                       stdout=subprocess.DEVNULL)
        size = os.path.getsize(big)
        target = os.path.join(out, "large-out.dcm")
        for name, cmd in (("cp", ["cp", big, target]),
                          ("dicom-anonymizer", [binary, "run", "--key-file", key, "--quiet",
                                                "--overwrite", big, target])):
            best = None
            for _ in range(3):
                if os.path.exists(target):
                    os.remove(target)
                m = measure(cmd)
                if m[4] != 0:
                    sys.exit(f"{name} failed on {big}")
                best = m if best is None or m[0] < best[0] else best
            print(f"{kind:<14} {size/1e6:>8.0f} {name:<18} {best[0]:>7.3f} {best[1]:>7.3f} "
                  f"{best[2]:>7.3f} {best[3]/1024:>7.1f}MB")
            os.remove(target)
        os.remove(big)
PY
