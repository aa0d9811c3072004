#!/usr/bin/env bash
# Python benchmark: `dicom_anonymizer.anonymize_dataset` (this package, the Rust engine)
# against `dicomanonymizer.anonymize_dataset` of the old Python tool (dicom-anonymizer
# 2.1.0 from PyPI, installed here only), on the same pydicom datasets, in the same run.
# Not a test and not run by CI.
#
#   bench/python.sh                  # every corpus file both tools accept, 5 rounds
#   BENCH_ROUNDS=3 bench/python.sh
#
# The venv is target/bench-python (kept; `rm -rf` it to rebuild the package), or
# BENCH_VENV: a venv where this package is installed already (the old tool is added).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
VENV=${BENCH_VENV:-target/bench-python}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q .
fi
# the old tool last: it installs a `dicom-anonymizer` command of its own over this one's
"$VENV/bin/python" -c "import dicomanonymizer" 2>/dev/null \
  || "$VENV/bin/pip" install -q pydicom "dicom-anonymizer==2.1.0"
"$VENV/bin/python" bench/python_bench.py "${BENCH_ROUNDS:-5}"
