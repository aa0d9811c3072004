"""`anonymize` over the sample tree: the batch of `run`, outcomes as dicts."""

import json

from conftest import SAMPLES, KEY, run_cli

import dicom_anonymizer as da


def test_anonymize_over_the_sample_tree_equals_run(tmp_path, key_file):
    report = tmp_path / "report.jsonl"
    records = da.anonymize(SAMPLES, tmp_path / "py", key=KEY, jobs=2, report=report)
    assert records and all(isinstance(r, dict) for r in records)
    written = [r for r in records if r["outcome"] == "written"]
    assert len(written) == len([p for p in SAMPLES.rglob("*") if p.is_file()])
    assert all(r["counts"] and r["bytes"] > 0 for r in written)
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert sorted(lines, key=lambda r: r["source"]) == sorted(records, key=lambda r: r["source"])

    cli = run_cli("run", "-q", "--key-file", str(key_file), str(SAMPLES), str(tmp_path / "cli"))
    assert cli.returncode == 0, cli.stderr
    for r in written:
        rel = r["output"][len(str(tmp_path / "py")) + 1:]
        assert (tmp_path / "py" / rel).read_bytes() == (tmp_path / "cli" / rel).read_bytes(), rel

    # run again: outputs exist, each file is skipped ("exists"), nothing is overwritten
    again = da.anonymize(SAMPLES, tmp_path / "py", key=KEY)
    assert {r["outcome"] for r in again} == {"skipped"}
    assert all("exists" in r["error"] for r in again)
    # dry run and overwrite
    assert {r["outcome"] for r in da.anonymize(SAMPLES, tmp_path / "dry", key=KEY, dry_run=True)} == {"would-write"}
    assert not (tmp_path / "dry").exists() or not any((tmp_path / "dry").rglob("*.dcm"))
    assert {r["outcome"] for r in da.anonymize(SAMPLES, tmp_path / "py", key=KEY, overwrite=True)} == {"written"}


def test_the_installed_command_is_the_cli(tmp_path):
    done = run_cli("--version")
    assert done.returncode == 0 and "dicom-anonymizer" in done.stdout
    bad = tmp_path / "bad.anon"
    bad.write_text("PatientNme replace\n")
    lint = run_cli("lint", str(bad))
    assert lint.returncode == 1 and "PatientNme" in lint.stderr
