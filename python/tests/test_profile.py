"""Profiles compile once, explain attributes, and report every problem as diagnostics."""

import threading

import pydicom
import pytest

import dicom_anonymizer as da

BAD = """profile "bad"
PatientNme replace
(0010,0020) frobnicate
"""


def test_a_bad_profile_raises_profile_error_with_diagnostics(tmp_path):
    p = tmp_path / "bad.anon"
    p.write_text(BAD)
    with pytest.raises(da.ProfileError) as info:
        da.Profile.from_file(p)
    err = info.value
    codes = [d.code for d in err.diagnostics]
    assert len([d for d in err.diagnostics if d.severity == "error"]) >= 2, codes
    keyword = next(d for d in err.diagnostics if "PatientNme" in d.message)
    assert keyword.code.startswith("anon::")
    assert keyword.file.endswith("bad.anon")
    assert (keyword.line, keyword.column) == (2, 1)
    assert keyword.help and "PatientName" in keyword.help
    action = next(d for d in err.diagnostics if d.line == 3)
    assert action.code != keyword.code
    assert "bad.anon:2:1" in err.rendered and "PatientNme" in err.rendered
    assert isinstance(err, ValueError)


def test_lint_returns_diagnostics_without_raising(tmp_path):
    diags = da.lint(BAD)
    assert len(diags) >= 2 and all(isinstance(d, da.Diagnostic) for d in diags)
    p = tmp_path / "good.anon"
    p.write_text("include \"builtin:basic\"\nPatientID keep\n")
    assert [d for d in da.lint(str(p)) if d.severity == "error"] == []
    assert [d.code for d in da.lint(tmp_path / "missing.anon")]


def test_plan_explains_an_attribute_like_the_cli():
    from conftest import run_cli

    profile = da.Profile.from_text("PatientID keep\n", name="site.anon").__class__.default().then(
        da.Profile.from_text("PatientID keep\n", name="site.anon")
    )
    text = profile.plan("PatientID")
    assert "site.anon:1" in text and "keep" in text
    assert profile.plan((0x0010, 0x0020)) == text
    assert profile.plan(0x00100020) == text
    cli = run_cli("plan", "PatientName")
    assert cli.returncode == 0
    assert da.Profile.default().plan("PatientName") == cli.stdout
    with pytest.raises(ValueError):
        profile.plan("NotAKeyword")


def test_a_compiled_profile_is_shared_by_threads():
    profile = da.Profile.default().then(da.Profile.from_text('PatientID replace "SUBJ"\n'))
    results, errors = [], []

    def work(i):
        try:
            ds = pydicom.Dataset()
            ds.PatientID = f"P{i}"
            ds.PatientName = "Doe^Jane"
            da.anonymize_dataset(ds, profile=profile, key=b"0123456789abcdef")
            results.append(ds.PatientID)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == ["SUBJ"] * 8


def test_errors_never_hold_values():
    ds = pydicom.Dataset()
    ds.PatientName = "Canary^Secret"
    # a literal that does not fit the VR: refused when the rules compile, value not shown
    with pytest.raises(ValueError) as e:
        da.anonymize_dataset(ds, {(0x0010, 0x0010): {"action": "replace_with_value", "value": "Leak" * 60}}, key=b"0123456789abcdef")
    assert "Leak" not in str(e.value) and "PatientName" in str(e.value)
    assert ds.PatientName == "Canary^Secret"  # nothing was changed
    with pytest.raises(ValueError):
        da.anonymize_dataset(ds, key=b"short")
    with pytest.raises(ValueError, match="no_such_action"):
        da.anonymize_dataset(ds, {(0x0010, 0x0010): "no_such_action"}, key=b"0123456789abcdef")
    with pytest.raises(da.AnonymizationError) as e:
        da._deidentify(da._plan(None, "", False), da._key(b"0123456789abcdef"), b"Canary^Secret not DICOM")
    # bytes that are not DICOM are skipped, as `run` skips such files; the message holds no value
    assert "Canary" not in str(e.value) and e.value.outcome == "skipped"


def test_a_dataset_pydicom_cannot_encode_fails_without_its_value():
    ds = pydicom.Dataset()
    ds.PatientName = "Doe^Jane"
    ds.add_new((0x0010, 0x0020), "US", "Canary-not-a-number")
    with pytest.raises(da.AnonymizationError) as e:
        da.anonymize_dataset(ds, key=b"0123456789abcdef")
    assert e.value.outcome == "failed"
    assert "Canary" not in str(e.value)
    assert e.value.__cause__ is None and e.value.__suppress_context__
