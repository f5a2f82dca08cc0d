"""The layers of docs/architecture.md, as import-linter contracts (pyproject.toml): a cycle or an upward import
anywhere in `fleet` or `vehicles` (function-level imports included) fails the suite."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(*args, cwd=ROOT):
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_the_import_contracts_are_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def broken_by(tmp_path, module, line):
    """lint-imports on a copy of the tree where `module` (a path under the root) ends with `line`."""
    copy = tmp_path / "tree"
    for name in ("fleet", "events", "vehicles"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    target = copy / module
    target.write_text(target.read_text() + "\n\n" + line + "\n")
    return lint_imports(cwd=copy)


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    """The contracts can fail: a copy of the tree where the models import the status machine is refused."""
    result = broken_by(
        tmp_path, "vehicles/models.py", "def _upward():\n    from vehicles.status import machine  # noqa"
    )
    assert result.returncode != 0
    assert "vehicles.models -> vehicles.status.machine" in result.stdout, result.stdout


def test_the_change_log_may_not_import_the_vehicles(tmp_path):
    """events/ is below fleet and vehicles: they write to it; it knows neither."""
    result = broken_by(tmp_path, "events/feed.py", "from vehicles.models import Vehicle  # noqa")
    assert result.returncode != 0
    assert "events.feed -> vehicles.models" in result.stdout, result.stdout
