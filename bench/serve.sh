#!/usr/bin/env bash
# Network benchmark: DCMTK `storescu` -> `dicom-anonymizer serve --out` against
# `storescu` -> DCMTK `storescp` (no de-identification) on the same files, on 127.0.0.1,
# in the same run, alternating. Not a test and not run by CI. Needs cargo, python3 and
# DCMTK (storescu, storescp).
#
#   bench/serve.sh                          # 1000 files, 3 rounds, outputs on /dev/shm
#   BENCH_FILES=300 BENCH_RUNS=2 bench/serve.sh
#
# Environment:
#   BENCH_FILES   files sent per round (default 1000), made by bench_make_tree from the
#                 corpus (each file its own patient, study, series and instance UIDs)
#   BENCH_RUNS    timed rounds (default 3), after one warm-up round
#   BENCH_ASSOC   parallel storescu processes (associations) per round (default 1)
#   BENCH_OUT     outputs (default /dev/shm/dcmanon-serve-bench, else $TMPDIR)
#   BENCH_BIN     the binary (default: target/release/dicom-anonymizer, built; given: not built)
#
# Each round sends the same files with storescu to storescp (which writes them to disk)
# and to `serve --out` (which de-identifies and writes them durably, with fsync). The
# ratio is storescp's wall time over serve's (serve's throughput as a fraction of
# storescp's), the median of the per-round ratios. Both receivers offer the same maximum
# PDU (128 KiB, storescp's largest).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

FILES=${BENCH_FILES:-1000}
RUNS=${BENCH_RUNS:-3}
ASSOC=${BENCH_ASSOC:-1}
if [ -z "${BENCH_OUT:-}" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then BENCH_OUT=/dev/shm/dcmanon-serve-bench; else BENCH_OUT=${TMPDIR:-/tmp}/dcmanon-serve-bench; fi
fi
for tool in storescu storescp; do
  command -v "$tool" >/dev/null || { echo "error: $tool (DCMTK) is needed" >&2; exit 2; }
done

if [ -z "${BENCH_BIN:-}" ] || [ ! -x target/release/examples/bench_make_tree ]; then
  echo "building (release)..." >&2
  cargo build --release --quiet --bin dicom-anonymizer --example bench_make_tree
fi
BIN=${BENCH_BIN:-target/release/dicom-anonymizer}
GEN=target/release/examples/bench_make_tree
SRC=target/bench/serve-tree-$FILES
if [ ! -d "$SRC" ]; then
  echo "making $SRC ($FILES files)..." >&2
  rm -rf "$SRC.partial"
  "$GEN" tree tests/data/corpus/files "$SRC.partial" "$FILES" >&2
  mv "$SRC.partial" "$SRC"
fi
mkdir -p "$BENCH_OUT"
printf 'dicom-anonymizer-benchmark-key-0001' > "$BENCH_OUT/key.bin"

python3 - "$BIN" "$SRC" "$BENCH_OUT" "$RUNS" "$ASSOC" <<'PY'
import os, signal, socket, statistics, subprocess, sys, time, shutil, platform, datetime

binary, src, out, runs, assoc = sys.argv[1:]
# DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1 is in its environment; on
# loopback every C-STORE then waits ~40 ms for a delayed ACK (storescp measured 17 files/s
# without it, 280 with it). Both rounds get it, so storescu sends as fast as it can.
os.environ["TCP_NODELAY"] = "1"
runs, assoc = int(runs), int(assoc)

files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs)
size = sum(os.path.getsize(f) for f in files)
groups = [files[k::assoc] for k in range(assoc)]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_listen(port, proc):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); return
        except OSError:
            if proc.poll() is not None: sys.exit(f"the server exited: {proc.returncode}")
            time.sleep(0.05)
    sys.exit("the server did not listen")

def send(port, called):
    """storescu processes at once; wall time."""
    t = time.perf_counter()
    ps = [subprocess.Popen(["storescu", "-aec", called, "-nh", "-R", "127.0.0.1", str(port)] + g,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for g in groups]
    for p in ps: p.wait()
    return time.perf_counter() - t

def count(d):
    return sum(len(fs) for _, _, fs in os.walk(d))

def round_storescp():
    d = os.path.join(out, "storescp"); shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    port = free_port()
    p = subprocess.Popen(["storescp", "+xa", "-pdu", "131072", "-aet", "ARCHIVE", "-od", d, str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(port, p)
    w = send(port, "ARCHIVE")
    p.terminate(); p.wait()
    return w, count(d)

def round_serve():
    d = os.path.join(out, "serve"); shutil.rmtree(d, ignore_errors=True)
    port = free_port()
    p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--ae-title", "ANON",
                          "--key-file", os.path.join(out, "key.bin"), "--out", d, "--max-pdu", "131072"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listen(port, p)
    w = send(port, "ANON")
    p.send_signal(signal.SIGTERM); p.wait(timeout=60)
    return w, count(d)

round_storescp(); round_serve()   # warm-up
rows = []
for _ in range(runs):
    a, na = round_storescp()
    b, nb = round_serve()
    rows.append((a, na, b, nb))
med = lambda xs: statistics.median(xs)
ratio = med([a / b for a, _, b, _ in rows])
ts, tv = med([r[0] for r in rows]), med([r[2] for r in rows])
print(f"# serve benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores")
print(f"{len(files)} files, {size/1e6:.1f} MB, {assoc} association(s), {runs} rounds (medians)")
print(f"| receiver | wall s | files/s | MB/s | files stored |")
print(f"|---|---|---|---|---|")
print(f"| storescp (DCMTK, no de-identification) | {ts:.2f} | {len(files)/ts:.0f} | {size/1e6/ts:.1f} | {rows[-1][1]} |")
print(f"| serve --out (de-identify, fsync) | {tv:.2f} | {len(files)/tv:.0f} | {size/1e6/tv:.1f} | {rows[-1][3]} |")
print(f"ratio (serve throughput / storescp throughput, median per round): {ratio:.2f}")
PY
