"""Fails when python/Cargo.lock builds a package of the library at another version than
the root Cargo.lock: the extension and the CLI must be the same code."""

import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]


def versions(lock: Path) -> dict:
    out = {}
    for name, version in re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', lock.read_text()):
        out.setdefault(name, set()).add(version)
    return out


main, py = versions(root / "Cargo.lock"), versions(root / "python" / "Cargo.lock")
differ = sorted(n for n in main.keys() & py.keys() if not py[n] <= main[n])
if differ:
    sys.exit("python/Cargo.lock and Cargo.lock disagree on: " + ", ".join(differ))
print(f"python/Cargo.lock agrees with Cargo.lock on {len(main.keys() & py.keys())} packages")
