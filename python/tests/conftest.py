"""Shared fixtures: the repository, its corpus and samples, and the installed command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "corpus" / "files"
SAMPLES = ROOT / "tests" / "data" / "samples"
KEY = b"python-tests-key-0123456789abcdef"


def command() -> str:
    """The `dicom-anonymizer` command the wheel installed (next to this Python)."""
    exe = Path(sys.executable).parent / ("dicom-anonymizer.exe" if os.name == "nt" else "dicom-anonymizer")
    assert exe.exists(), f"the package did not install the command ({exe})"
    return str(exe)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([command(), *args], capture_output=True, text=True)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("key") / "key.bin"
    p.write_bytes(KEY)
    return p


@pytest.fixture(scope="session")
def corpus_by_cli(tmp_path_factory, key_file) -> Path:
    """`dicom-anonymizer run` over the corpus with KEY (the command of the wheel)."""
    out = tmp_path_factory.mktemp("cli") / "out"
    done = run_cli("run", "-q", "--key-file", str(key_file), str(CORPUS), str(out))
    # the corpus holds files that are refused on purpose: exit 1, never 2
    assert done.returncode == 1, done.stderr[-2000:]
    return out
