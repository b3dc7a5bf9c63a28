"""`catalog import`: a newer Epoch CSV is compared with the table in use; --save adopts it."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from computegov.catalog import import_epoch_csv, load_catalog
from computegov.cli import app

runner = CliRunner()


def newer_table(tmp_path: Path) -> Path:
    text = resources.files("computegov.data").joinpath("epoch_ml_hardware.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    fields = list(rows[0])
    rows = [r for r in rows if r["Hardware name"] != "Google TPU v4"]
    for r in rows:
        if r["Hardware name"] == "NVIDIA H100 PCIe":
            r["TDP (W)"] = "310.0"
    new = dict(rows[0], **{"Hardware name": "Acme Z9", "Release date": "2025-06-01"})
    rows.append(new)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "ml_hardware.csv"
    path.write_text(out.getvalue())
    return path


def test_import_reports_added_changed_removed(tmp_path: Path) -> None:
    diff = import_epoch_csv(newer_table(tmp_path))
    assert diff.added == ("Acme Z9",)
    assert diff.removed == ("Google TPU v4",)
    assert [(c.chip, c.field, c.new) for c in diff.changed] == [("NVIDIA H100 PCIe", "tdp_w", 310.0)]


def test_import_of_the_same_table_changes_nothing() -> None:
    path = resources.files("computegov.data").joinpath("epoch_ml_hardware.csv")
    assert import_epoch_csv(Path(str(path))).empty


def test_import_save_makes_later_loads_use_the_new_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "import", str(newer_table(tmp_path)), "--save", "--json"])
    assert result.exit_code == 0, result.output
    cat = load_catalog(user_config=False)
    assert "Acme Z9" in cat
    assert "Google TPU v4" not in cat


def test_import_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.output
