"""Fails unless vendor/dicom-encoding is exactly the crates.io release it names plus
vendor/dicom-encoding.patch: nothing else may change in a vendored dependency
(vendor/README.md)."""

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

NAME, VERSION = "dicom-encoding", "0.10.1"
# the checksum crates.io publishes for the release (the registry entry in Cargo.lock before
# the patch)
SHA256 = "79b2af265310a0cd00114910fe94922a279a56202c8ad16fe927b0f6173614f7"
# files cargo adds to a published crate, left out of the vendored copy
PACKAGING = {".cargo_vcs_info.json", ".cargo-ok", "Cargo.lock"}

root = Path(__file__).resolve().parents[1]
vendored = root / "vendor" / NAME
url = f"https://static.crates.io/crates/{NAME}/{NAME}-{VERSION}.crate"
data = urllib.request.urlopen(url, timeout=60).read()
if hashlib.sha256(data).hexdigest() != SHA256:
    sys.exit(f"{url}: not the release the vendored copy names (checksum differs)")

with tempfile.TemporaryDirectory() as tmp:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        try:
            tar.extractall(tmp, filter="data")
        except TypeError:  # Python before 3.11.4: no extraction filters
            tar.extractall(tmp)
    release = Path(tmp) / f"{NAME}-{VERSION}"
    subprocess.run(
        ["git", "apply", "--unsafe-paths", f"--directory={release.relative_to('/')}",
         str(root / "vendor" / f"{NAME}.patch")],
        check=True, cwd="/",
    )

    def tree(base: Path) -> dict:
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*"))
            if p.is_file() and p.relative_to(base).as_posix() not in PACKAGING
        }

    want, have = tree(release), tree(vendored)
    extra = {"LICENSE-MIT", "LICENSE-APACHE"}
    differ = sorted(
        n for n in want.keys() | (have.keys() - extra) if want.get(n) != have.get(n)
    )
    if differ:
        sys.exit(f"vendor/{NAME} is not {NAME} {VERSION} plus the patch: " + ", ".join(differ))
print(f"vendor/{NAME} is {NAME} {VERSION} from crates.io plus vendor/{NAME}.patch")
