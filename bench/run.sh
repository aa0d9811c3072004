#!/usr/bin/env bash
# Throughput benchmark, all ratios from one run: `cp -r`, a 2-way parallel copy (the
# floor for two workers: two `cp -r` processes at once, each on half of the patient
# folders), `dicom-anonymizer run --jobs 1` and `--jobs 2`, and `check --source` on the
# same tree, in rounds (the order of the commands alternates from one round to the next);
# then, optionally, the peak RSS of a run at 2000 and at 200 000 small files (hard links),
# and one large file (native and encapsulated pixel data).
# Not a test and not run by CI. Needs cargo and python3 (standard library only).
#
#   bench/run.sh                       # 2000 files, 5 rounds, outputs on /dev/shm
#   BENCH_FILES=500 BENCH_RUNS=3 bench/run.sh
#   BENCH_SCALE=200000 BENCH_LARGE_MB=0 bench/run.sh   # + peak RSS at 2000 and 200 000 files
#
# Environment:
#   BENCH_FILES     files in the tree (default 2000)
#   BENCH_RUNS      timed runs of each command, after one warm-up run (default 5)
#   BENCH_OUT       where outputs (and the large files) go (default /dev/shm/dcmanon-bench
#                   where /dev/shm exists, else ${TMPDIR:-/tmp}/dcmanon-bench)
#   BENCH_SRC       where the tree is built (default target/bench/tree-N; kept between
#                   runs, rebuilt when missing)
#   BENCH_JOBS      --jobs of the parallel rows (default 2; the copy floor uses as many cp)
#   BENCH_RUN_ARGS  extra arguments of every `run` (e.g. --no-manifest)
#   BENCH_SCALE     when set (e.g. 200000): after the rounds, one run --jobs 2 (and one
#                   check --manifest of its output) over a tree
#                   of 2000 and one over a tree of BENCH_SCALE hard links to the small
#                   files (<= 40 KB) of the tree, outputs on BENCH_OUT, for peak RSS
#                   (trees kept in target/bench/links-N-of-TREE; about 90 bytes of disk per link)
#   BENCH_LARGE_MB  pixel data of the large files in MiB (default 1024; 0 skips them)
#   BENCH_BIN       the binary to measure (default: target/release/dicom-anonymizer, built)
#   BENCH_COMPARE   another dicom-anonymizer binary to run in the same rounds (e.g. one
#                   built from an older commit), to compare two builds in one run
#   BENCH_CHECK     0 leaves `check --source` out of the rounds (default 1)
#
# Every command's wall time, user and system CPU time and peak RSS come from wait4(2)
# (python3 os.wait4), so they are exact for the process and its threads. The table shows
# medians; every ratio is the median of the per-round ratios (each round runs every
# command back to back), which is less sensitive to a noisy neighbour than the ratio of
# medians: `x cp -r`, `x floor` (the 2-way parallel copy), and for `check --source` also
# `x run` (the `run --jobs N` of the same round).
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

python3 - "$BIN" "$GEN" "$SRC" "$BENCH_OUT" "$KEY" "$RUNS" "$JOBS" "$LARGE_MB" "${BENCH_COMPARE:-}" "${BENCH_RUN_ARGS:-}" "${BENCH_SCALE:-}" "${BENCH_CHECK:-1}" <<'PY'
import os, shutil, statistics, subprocess, sys, time, datetime, platform

(binary, gen, src, out, key, runs, jobs, large_mb, other, run_args, scale,
 with_check) = sys.argv[1:]
runs, large_mb = int(runs), int(large_mb)
run_args = run_args.split()

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
    the same for every command) is included in the times. For a shell running several
    processes, it is the largest of them."""
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

def run_cmd(bin_, n_jobs, s, d):
    return [bin_, "run", "--key-file", key, "--quiet", "--jobs", str(n_jobs)] + run_args + [s, d]

files, nbytes = tree_size(src)
dst = os.path.join(out, "out")
# the 2-way parallel copy: the patient folders dealt out to `jobs` cp processes at once
tops = sorted(os.listdir(src))
groups = [tops[i::int(jobs)] for i in range(int(jobs))]
floor_sh = "mkdir -p \"$1\" && " + " ".join(
    "cp -r " + " ".join(f"'{os.path.join(src, t)}'" for t in g) + " \"$1\"/ &"
    for g in groups if g) + " wait"
FLOOR = f"{jobs}-way parallel cp"
RUN_N = f"run --jobs {jobs}"
commands = {
    "cp -r": ["cp", "-r", src, dst],
    FLOOR: ["sh", "-c", floor_sh, "sh", dst],
    "run --jobs 1": run_cmd(binary, 1, src, dst),
    RUN_N: run_cmd(binary, jobs, src, dst),
}
if other:
    commands[f"BENCH_COMPARE --jobs {jobs}"] = run_cmd(other, jobs, src, dst)
# check reads an output tree made once, before the rounds, and writes nothing
checked = os.path.join(out, "checked")
if with_check != "0":
    commands[f"check --source --jobs {jobs}"] = [binary, "check", "--jobs", jobs, "--source",
                                                 src, checked]
print(f"# {datetime.date.today()}  {platform.node()}  {os.cpu_count()} cores  "
      f"kernel {platform.release()}")
print(f"# tree: {src}: {files} files, {nbytes/1e6:.1f} MB; outputs in {out}")
print(f"# binary: {binary}" + (f", BENCH_COMPARE: {other}" if other else "")
      + (f"; run arguments: {' '.join(run_args)}" if run_args else "")
      + f"; {runs} timed rounds after a warm-up, the order of the commands alternating")
# the default profile rejects some inputs of the corpus (Burned In Annotation YES): a run
# exits 1 then; a run that failed on a file is not measured
clear(checked)
first = subprocess.run(run_cmd(binary, jobs, src, checked), capture_output=True, text=True)
summary = (first.stderr.strip().splitlines() or [""])[-1]
if first.returncode not in (0, 1) or " 0 failed" not in summary:
    sys.exit(f"the first run failed (status {first.returncode}): {summary}")
print(f"# a run says: {summary.split(';')[0]}")
RUN_OK = (0, first.returncode)
if with_check == "0":
    clear(checked)
results = {name: [] for name in commands}
names = list(commands)
for r in range(runs + 1):
    for name in (names if r % 2 == 0 else names[::-1]):
        clear(dst)
        m = measure(commands[name])
        # check exits 1 when it finds something, run when the policy rejects an input
        # (as the first run did): their time is what is measured
        ok = ((0, 1) if name.startswith("check") else RUN_OK
              if "run" in name or name.startswith("BENCH_COMPARE") else (0,))
        if m[4] not in ok:
            sys.exit(f"{name} failed with status {m[4]}: {' '.join(commands[name])}")
        if r > 0:
            results[name].append(m)
clear(dst)

def ratio(ms, base):
    return statistics.median(m[0] / c[0] for m, c in zip(ms, base))

cp, floor, run_n = results["cp -r"], results[FLOOR], results[RUN_N]
print()
print(f"{'command':<30} {'wall s':>7} {'files/s':>8} {'MB/s':>7} {'user s':>7} {'sys s':>7} "
      f"{'user us/file':>12} {'CPU us/file':>11} {'peak RSS':>9} {'x cp -r':>8} {'x floor':>8} "
      f"{'x run':>6}")
for name, ms in results.items():
    wall = statistics.median(m[0] for m in ms)
    user = statistics.median(m[1] for m in ms)
    sys_ = statistics.median(m[2] for m in ms)
    rss = max(m[3] for m in ms)
    x_run = f"{ratio(ms, run_n):>5.2f}x" if name.startswith("check") else ""
    print(f"{name:<30} {wall:>7.3f} {files/wall:>8.0f} {nbytes/1e6/wall:>7.0f} {user:>7.3f} "
          f"{sys_:>7.3f} {user/files*1e6:>12.0f} {(user+sys_)/files*1e6:>11.0f} "
          f"{rss/1024:>7.1f}MB {ratio(ms, cp):>7.2f}x {ratio(ms, floor):>7.2f}x {x_run:>6}")
print()
print("wall s per round (" + " / ".join(results) + "):",
      "  ".join("/".join(f"{ms[i][0]:.3f}" for ms in results.values()) for i in range(runs)))
clear(checked)

def link_tree(n):
    """A tree of n hard links to the small files of the benchmark tree (same layout)."""
    root = os.path.join(os.path.dirname(src), f"links-{n}-of-{os.path.basename(src)}")
    if os.path.isdir(root):
        return root
    small = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs
                   if os.path.getsize(os.path.join(d, f)) <= 40_000)
    if not small:
        sys.exit("no file of 40 KB or less in the tree")
    part = root + ".partial"
    clear(part)
    for i in range(n):
        d = os.path.join(part, f"P{i // 80:05d}", f"ST{i // 40 % 2}", f"SE{i // 20 % 2}")
        if i % 20 == 0:
            os.makedirs(d, exist_ok=True)
        os.link(small[i % len(small)], os.path.join(d, f"IM{i:06d}.dcm"))
    os.rename(part, root)
    return root

if scale:
    print()
    print(f"# peak RSS of one `run --jobs {jobs}` over trees of hard links to the small files "
          f"(<= 40 KB) of the tree, then of `check --manifest` on its output (when the run "
          f"wrote a manifest); outputs in {out}")
    print(f"{'files':>8} {'MB':>8} {'wall s':>7} {'files/s':>8} {'peak RSS':>9} "
          f"{'check s':>8} {'check RSS':>10}")
    for n in (2000, int(scale)):
        tree = link_tree(n)
        nf, nb = tree_size(tree)
        clear(dst)
        m = measure(run_cmd(binary, jobs, tree, dst))
        if m[4] not in RUN_OK:
            sys.exit(f"the run over {tree} failed with status {m[4]}")
        manifest = os.path.join(dst, "manifest.json")
        checked = f"{'-':>8} {'-':>10}"
        if os.path.exists(manifest):
            c = measure([binary, "check", "--manifest", manifest, dst])
            if c[4] != 0:
                sys.exit(f"check --manifest over {dst} failed with status {c[4]}")
            checked = f"{c[0]:>8.2f} {c[3]/1024:>8.1f}MB"
        print(f"{nf:>8} {nb/1e6:>8.1f} {m[0]:>7.2f} {nf/m[0]:>8.0f} {m[3]/1024:>7.1f}MB {checked}")
        clear(dst)

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
