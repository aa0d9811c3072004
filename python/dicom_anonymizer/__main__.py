"""``python -m dicom_anonymizer ...`` is the ``dicom-anonymizer`` command."""

from ._cli import main

main()
