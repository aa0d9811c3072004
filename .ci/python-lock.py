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


def sources(lock: Path) -> dict:
    """Each package's source: the registry, or a path (the vendored dicom-encoding)."""
    out = {}
    for block in lock.read_text().split("[[package]]")[1:]:
        name = re.search(r'name = "([^"]+)"', block).group(1)
        source = re.search(r'source = "([^"]+)"', block)
        out.setdefault(name, set()).add(source.group(1) if source else "path")
    return out


main, py = versions(root / "Cargo.lock"), versions(root / "python" / "Cargo.lock")
main_src, py_src = sources(root / "Cargo.lock"), sources(root / "python" / "Cargo.lock")
# a package patched in one workspace and not in the other: the same version, other code
patched = sorted(
    n for n in main_src.keys() & py_src.keys() if n != "dicom-anonymizer" and py_src[n] != main_src[n]
)
if patched:
    sys.exit("python/Cargo.lock and Cargo.lock take other sources for: " + ", ".join(patched))
differ = sorted(n for n in main.keys() & py.keys() if not py[n] <= main[n])
if differ:
    sys.exit("python/Cargo.lock and Cargo.lock disagree on: " + ", ".join(differ))
print(f"python/Cargo.lock agrees with Cargo.lock on {len(main.keys() & py.keys())} packages")
