"""The ``dicom-anonymizer`` command installed with the package: the Rust CLI itself,
called through the extension (the same code as the binary)."""

import signal
import sys

from . import _native


def main() -> None:
    # Ctrl-C ends the command as it ends the binary (Python's handler would wait for the
    # native call to return)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.exit(_native.cli_main(["dicom-anonymizer", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
