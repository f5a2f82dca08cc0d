"""`manage.py import_vins WORKSPACE_SLUG FILE.csv`: the upload's rules and report, in the foreground."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import new_vin
from vehicles.choices import Status
from vehicles.models import ImportJob, StatusChange, Vehicle


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_vins", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_and_prints_the_same_summary_as_the_page(workspace, bmw_active, tmp_path, settings):
    settings.UPLOAD_BACKGROUND_ROWS = 2  # the command stays in the foreground whatever the size
    good, other = new_vin("WBA"), new_vin("ZFF")
    path = tmp_path / "fleet.csv"
    path.write_text(f"vin;odometer\n{good};5\n{other};\n{good};\nnope;\n")

    out, err = run(workspace.slug, str(path))

    assert f"Importing {path} into acme (about 4 rows)" in out
    assert "Imported 4 rows" in out
    assert "  Added: 2\n" in out
    assert "  Added and re-added by status: Enabled 0, Pending 1, Incomplete 1, Disabled 0, Error 0\n" in out
    assert "  Repeated in the file: 1\n" in out and "  Invalid: 1\n" in out
    assert f"  line 4: '{good}': Repeated in the file: VIN {good} is repeated in the file (first on line 2)" in out
    assert "  line 5: 'nope': Invalid: VIN must be 16 or 17 characters, not 4" in out
    assert f"  line 3: '{other}': Added as Incomplete: Make Ferrari is not activated for this workspace" in out
    assert "4 of about 4 rows read and checked (100%)" in err
    job = ImportJob.objects.get()
    assert (job.state, job.source) == (ImportJob.State.COMPLETED, ImportJob.Source.COMMAND)
    assert Vehicle.objects.get(vin=good).status == Status.PENDING
    assert StatusChange.objects.get(vehicle__vin=good).actor_name == "import_vins"


def test_it_exits_non_zero_when_the_file_is_refused_and_adds_nothing(workspace, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    with pytest.raises(CommandError, match="The file was refused, nothing was added: This is not a CSV file"):
        run(workspace.slug, str(path))

    assert not Vehicle.objects.exists()
    assert ImportJob.objects.get().state == ImportJob.State.REFUSED


def test_it_exits_non_zero_for_a_file_without_data_rows(workspace, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("vin,odometer\n")

    with pytest.raises(CommandError, match="no data rows"):
        run(workspace.slug, str(path))


def test_it_exits_non_zero_for_an_unknown_workspace(db, tmp_path):
    path = tmp_path / "fleet.csv"
    path.write_text(f"vin\n{new_vin()}\n")

    with pytest.raises(CommandError, match="No workspace with slug 'nowhere'"):
        run("nowhere", str(path))


def test_it_exits_non_zero_for_a_missing_file(workspace, tmp_path):
    with pytest.raises(CommandError, match="Cannot open .*missing.csv: No such file or directory"):
        run(workspace.slug, str(tmp_path / "missing.csv"))
    assert not ImportJob.objects.exists()


def test_a_second_run_of_the_same_file_reports_duplicates_and_changes_nothing(workspace, tmp_path):
    vin = new_vin("ZFF")
    path = tmp_path / "fleet.csv"
    path.write_text(f"vin\n{vin}\n")
    run(workspace.slug, str(path))

    out, _ = run(workspace.slug, str(path))

    assert "  Already in this workspace: 1\n" in out
    assert f"  line 2: '{vin}': Already in this workspace: VIN {vin} is already in this workspace" in out
    assert Vehicle.objects.count() == 1 and StatusChange.objects.count() == 1


def test_it_prints_a_limited_number_of_problem_rows(workspace, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("vin\n" + "".join(f"bad{i}\n" for i in range(30)))

    out, _ = run(workspace.slug, str(path), "--problems", "3")

    assert out.count("  line ") == 3
    assert "… and 27 more" in out
