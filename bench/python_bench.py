"""Times anonymize_dataset of both packages on copies of the same datasets.

Each round de-identifies every dataset once with each tool (fresh deep copies, made
outside the timed part), alternating which tool goes first; the ratio reported is the
median over rounds of (old tool's time / this package's time)."""

import copy
import statistics
import sys
import time
import warnings
from pathlib import Path

import pydicom

import dicom_anonymizer as new
import dicomanonymizer as old

KEY = b"benchmark-key-0123456789abcdef"
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "files"

warnings.simplefilter("ignore")


def load():
    out = []
    for p in sorted(CORPUS.iterdir()):
        try:
            ds = pydicom.dcmread(p)
            ds.remove_private_tags  # noqa: B018
        except Exception:
            continue
        try:  # keep files both tools accept
            old.anonymize_dataset(copy.deepcopy(ds))
            new.anonymize_dataset(copy.deepcopy(ds), key=KEY)
        except Exception:
            continue
        out.append((p, ds))
    return out


def timed(fn, datasets):
    copies = [copy.deepcopy(d) for d in datasets]
    start = time.perf_counter()
    for d in copies:
        fn(d)
    return time.perf_counter() - start


def main():
    files = load()
    datasets = [d for _, d in files]
    mb = sum(p.stat().st_size for p, _ in files) / 1e6
    tools = {
        "dicomanonymizer 2.1.0 (Python)": lambda d: old.anonymize_dataset(d),
        f"dicom_anonymizer {new.__version__} (Rust engine)": lambda d: new.anonymize_dataset(d, key=KEY),
    }
    names = list(tools)
    times = {n: [] for n in names}
    ratios = []
    for r in range(ROUNDS):
        order = names if r % 2 == 0 else names[::-1]
        got = {n: timed(tools[n], datasets) for n in order}
        for n in names:
            times[n].append(got[n])
        ratios.append(got[names[0]] / got[names[1]])
    print(f"{len(datasets)} datasets ({mb:.1f} MB of files), {ROUNDS} rounds, python {sys.version.split()[0]}, pydicom {pydicom.__version__}")
    print("| tool | median s per round | datasets/s |")
    print("|---|---|---|")
    for n in names:
        m = statistics.median(times[n])
        print(f"| {n} | {m:.3f} | {len(datasets) / m:.0f} |")
    print(f"ratio (old / new, median of per-round ratios): {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
