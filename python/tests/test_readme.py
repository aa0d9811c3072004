"""The old tool's README examples (doc/Usage.md of dicomanonymizer 2.1.0), with only the
import line changed, plus the issue's example: a hand-built Dataset and a callable rule."""

import shutil

import pydicom
import pytest

from conftest import SAMPLES


def test_anonymize_dataset_on_a_hand_built_dataset():
    # from the old README ("Anonymize dicom tags for a dataset"); only the import changed
    from dicom_anonymizer import anonymize_dataset

    fields = [
        {  # Replaced by Anonymized
            "id": (0x0040, 0xA123),
            "type": "LO",
            "value": "Annie de la Fontaine",
        },
        {  # Replaced with empty value
            "id": (0x0008, 0x0050),
            "type": "TM",
            "value": "bar",
        },
        {  # Deleted
            "id": (0x0018, 0x4000),
            "type": "VR",
            "value": "foo",
        },
    ]
    data = pydicom.Dataset()
    for field in fields:
        data.add_new(field["id"], field["type"], field["value"])

    with pytest.warns(UserWarning, match="random key"):
        anonymize_dataset(data)

    assert (0x0018, 0x4000) not in data  # deleted
    assert data[0x0008, 0x0050].value in ("", None)  # emptied
    assert "Annie" not in str(data.get((0x0040, 0xA123), ""))
    assert data.PatientIdentityRemoved == "YES"


def test_anonymize_dataset_with_a_callable_and_old_rule_values():
    from dicom_anonymizer import anonymize_dataset, regexp

    ds = pydicom.Dataset()
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "123456"
    ds.PatientBirthDate = "19800215"
    ds.StudyDate = "20080701"
    ds.StudyDescription = "CT HEAD"

    seen = {}

    def set_date_to_year(dataset, tag):
        element = dataset.get(tag)
        seen["value"] = element.value  # the callable sees the original element
        element.value = f"{element.value[:4]}0101"

    rules = {
        (0x0010, 0x0030): set_date_to_year,
        (0x0010, 0x0020): "keep",
        (0x0008, 0x0020): "keep",
        "StudyDescription": regexp(["HEAD$", "BRAIN"]),
    }
    anonymize_dataset(ds, rules, key=b"0123456789abcdef0123")
    assert seen["value"] == "19800215"
    assert ds.PatientBirthDate == "19800101"
    assert ds.PatientID == "123456"
    assert ds.StudyDate == "20080701"
    assert ds.StudyDescription == "CT BRAIN"
    assert "Doe" not in str(ds.get("PatientName", ""))


def test_anonymize_dataset_old_keyword_arguments():
    # "You can also add extra_anonymization_rules as above"
    from dicom_anonymizer import anonymize_dataset

    data_ds = pydicom.dcmread(SAMPLES / "site-a" / "patient-1" / "ct" / "IM0001.dcm")
    extra_anonymization_rules = {(0x0010, 0x0020): "keep"}
    before = data_ds.PatientID
    anonymize_dataset(data_ds, extra_anonymization_rules, delete_private_tags=True, key="k" * 16)
    assert data_ds.PatientID == before
    assert not any(e.tag.is_private for e in data_ds)


def test_custom_overrides_example(tmp_path):
    # "Custom/overrides actions": keep everything, birth date reduced to the year;
    # only the import line changed
    from dicom_anonymizer import ALL_TAGS, anonymize, keep

    src = tmp_path / "in"
    shutil.copytree(SAMPLES / "site-a", src)
    input_dicom_path = str(src)
    output_dicom_path = str(tmp_path / "out")

    extra_anonymization_rules = {}

    def set_date_to_year(dataset, tag):
        element = dataset.get(tag)
        if element is not None:
            element.value = f"{element.value[:4]}0101"  # YYYYMMDD format

    for i in ALL_TAGS:
        extra_anonymization_rules[i] = keep

    extra_anonymization_rules[(0x0010, 0x0030)] = set_date_to_year  # Patient's Birth Date

    records = anonymize(
        input_dicom_path,
        output_dicom_path,
        extra_anonymization_rules,
        delete_private_tags=False,
        key=b"0123456789abcdef",
    )
    assert len(ALL_TAGS) > 200
    written = [r for r in records if r["outcome"] == "written"]
    assert len(written) == len(list(src.rglob("*.dcm"))) > 0
    for r in written:
        before = pydicom.dcmread(r["source"])
        after = pydicom.dcmread(r["output"])
        assert after.PatientName == before.PatientName  # kept
        if "PatientBirthDate" in before and before.PatientBirthDate:
            assert after.PatientBirthDate == before.PatientBirthDate[:4] + "0101"
