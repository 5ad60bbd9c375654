"""Reading workbooks back: exact round trips, and untrusted files refused with the cell named.

scenario → xlsx → scenario must be exact (``==`` on the frozen scenario, every float bit for bit,
sources and text included). Bad workbooks — not xlsx, zip bombs, oversized, macros, a missing sheet
or defined name, text in a numeric cell, out-of-range values, formulas without values, an edited
model constant — each raise :class:`workbook.WorkbookError` naming the cell, and the CLI writes nothing.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import Cell
from typer.testing import CliRunner

from finmodel import schema, workbook
from finmodel.cli import app
from finmodel.workbook.reader import MAX_BYTES

from .conftest import PRESETS, SEED_FILE, random_scenario


@pytest.fixture(scope="module")
def seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


@pytest.fixture(scope="module")
def seed_xlsx(seed) -> bytes:
    return workbook.workbook_bytes(seed, sensitivity=False)


def _edit(data: bytes, **cells) -> bytes:
    """Set cells by defined name (``heavy_occupancy=1.5``) as an analyst would in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name, value in cells.items():
        ((sheet, ref),) = list(wb.defined_names[name].destinations)
        c = wb[sheet][ref.replace("$", "")]
        assert isinstance(c, Cell), (name, ref)
        c.value = value
    return _save(wb)


def _save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_of(data: bytes, name: str) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return f"{sheet}!{ref.replace('$', '')}"


def _error(data: bytes) -> workbook.WorkbookError:
    with pytest.raises(workbook.WorkbookError) as info:
        workbook.read_workbook(data)
    return info.value


# --------------------------------------------------------------------------- exact round trips
@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_presets_round_trip_exactly(path):
    s = schema.load(path)
    back = workbook.read_workbook(workbook.workbook_bytes(s, sensitivity=False))
    assert back == s
    assert schema.to_toml(back) == schema.to_toml(s)


@pytest.mark.parametrize("i", range(10))
def test_random_scenarios_round_trip_bit_for_bit(i):
    s = random_scenario(np.random.default_rng(1000 + i))
    back = workbook.read_workbook(workbook.workbook_bytes(s, sensitivity=False))
    assert back == s
    for path in schema.FIELDS:
        a, b = s.get(path), back.get(path)
        assert type(a) is type(b) and (a == b), path  # exact, not approximately


finite = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(occ=finite, price=st.floats(0.0, 10_000.0), rate=finite,
       text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_float_and_text_round_trip(seed, occ, price, rate, text):
    """17 significant digits survive (openpyxl alone writes 16); any text, control characters included."""
    s = seed.replace({"heavy.occupancy": occ, "heavy.price_cny_per_card_hour": price,
                      "general.discount_rate_per_year": rate})
    source = text or "x"  # an empty source is no source (as in TOML files)
    s = schema.validate({**s.to_dict(), "description": text, "sources": {**s.sources, "heavy.pue": source}})
    assert workbook.read_workbook(workbook.workbook_bytes(s, sensitivity=False)) == s


def test_read_from_path_and_str(tmp_path, seed, seed_xlsx):
    f = tmp_path / "seed.xlsx"
    f.write_bytes(seed_xlsx)
    assert workbook.read_workbook(f) == seed
    assert workbook.read_workbook(str(f)) == seed


def test_edits_made_in_the_workbook_come_back(seed, seed_xlsx):
    data = _edit(seed_xlsx, heavy_occupancy=0.85, heavy_billing_mode="annual", light_p_per_server_override=2.5,
                 heavy_servers=4, scenario_name="edited in Excel")
    back = workbook.read_workbook(data)
    assert back == seed.replace({"heavy.occupancy": 0.85, "heavy.billing_mode": "annual",
                                 "light.p_per_server_override": 2.5, "heavy.servers": 4}).model_copy(
        update={"name": "edited in Excel"})


def test_whole_number_typed_in_a_float_cell_and_float_in_an_int_cell(seed, seed_xlsx):
    back = workbook.read_workbook(_edit(seed_xlsx, heavy_server_price_cny=1_500_000, heavy_servers=3.0))
    assert back.heavy.server_price_cny == 1_500_000.0 and isinstance(back.heavy.server_price_cny, float)
    assert back.heavy.servers == 3 and isinstance(back.heavy.servers, int)


def test_formula_with_saved_value_counts_but_not_without(seed_xlsx):
    data = _edit(seed_xlsx, heavy_price_cny_per_card_hour="=180/8")  # openpyxl saves no value
    e = _error(data)
    assert "formula without a saved value" in str(e) and _cell_of(seed_xlsx, "heavy_price_cny_per_card_hour") in str(e)


# --------------------------------------------------------------------------- untrusted files
def test_not_an_xlsx():
    for data, words in [(b"name,value\nprice,22.5\n", "not a zip"), (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "not a zip"),
                        (b"", "not a zip"), (b"PK\x03\x04 broken", "broken zip")]:
        assert words in str(_error(data))


def test_zip_without_workbook_parts():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "no [Content_Types].xml" in str(_error(buf.getvalue()))


def test_zip_bomb_is_refused_before_parsing(seed_xlsx):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed_xlsx)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/padding.bin", b"\0" * (60 * 2**20))  # 60 MB of zeros → ~60 kB
    e = _error(buf.getvalue())
    assert "zip bomb" in str(e) and "padding.bin" in str(e)


def test_oversized_file_is_refused(tmp_path):
    e = _error(b"PK" + b"\0" * MAX_BYTES)
    assert "too large" in str(e)
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(workbook.WorkbookError, match="too large"):
        workbook.read_workbook(big)


def test_macros_are_refused(seed_xlsx):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed_xlsx)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/vbaProject.bin", b"macro")
    assert "macros" in str(_error(buf.getvalue()))


def test_xml_entity_bomb_is_refused(seed_xlsx):
    """Every part is parsed by defusedxml with DTDs forbidden (finmodel.workbook.xlsxread)."""
    buf = io.BytesIO()
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&b;</workbook>')
    with zipfile.ZipFile(io.BytesIO(seed_xlsx)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, bomb if info.filename == "xl/workbook.xml" else src.read(info.filename))
    assert "declares a DTD or XML entities" in str(_error(buf.getvalue()))


def test_missing_inputs_sheet(seed_xlsx):
    wb = openpyxl.load_workbook(io.BytesIO(seed_xlsx))
    wb["Inputs"].title = "Assumptions"
    e = _error(_save(wb))
    assert "missing sheet 'Inputs'" in str(e)


def test_missing_defined_names_are_all_reported(seed_xlsx):
    wb = openpyxl.load_workbook(io.BytesIO(seed_xlsx))
    del wb.defined_names["heavy_occupancy"]
    del wb.defined_names["light_capacity_p"]
    e = _error(_save(wb))
    fields = {p.field for p in e.problems}
    assert {"heavy.occupancy", "light.capacity_p"} <= fields
    assert "missing defined name 'heavy_occupancy'" in str(e)


def test_defined_name_pointing_elsewhere(seed_xlsx):
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.load_workbook(io.BytesIO(seed_xlsx))
    wb.defined_names["heavy_pue"] = DefinedName("heavy_pue", attr_text="Heavy!$E$7")
    wb.defined_names["heavy_occupancy"] = DefinedName("heavy_occupancy", attr_text="Inputs!$C$10:$C$12")
    e = _error(_save(wb))
    assert "points to sheet 'Heavy'" in str(e) and "not one cell" in str(e)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("heavy_occupancy", "seventy", "holds text, expected a number"),
    ("heavy_occupancy", "0.7", "holds text, expected a number"),
    ("heavy_occupancy", 1.5, "out of range; allowed: a number, 0 ≤ value ≤ 1"),
    ("heavy_occupancy", True, "holds bool"),
    ("heavy_servers", 2.5, "must be a whole number"),
    ("heavy_servers", 0, "out of range"),
    ("heavy_servers", None, "is empty"),
    ("heavy_billing_mode", "weekly", "not an allowed choice"),
    ("heavy_billing_mode", 3, "must be text"),
    ("heavy_gpu", "Z9000", "unknown GPU"),
    ("general_horizon_months", 361, "out of range"),
    ("light_capacity_p", 0, "out of range"),  # gt=0
    ("light_p_per_server_override", -1.0, "out of range"),
    ("scenario_name", None, "name"),
])
def test_bad_cells_name_the_cell(seed_xlsx, name, value, words):
    e = _error(_edit(seed_xlsx, **{name: value}))
    cell = _cell_of(seed_xlsx, name)
    assert words in str(e), str(e)
    assert cell in str(e) or name == "heavy_gpu", str(e)  # the GPU check is cross-field: the field is named
    assert len(e.problems) == 1


def test_several_bad_cells_reported_together(seed_xlsx):
    e = _error(_edit(seed_xlsx, heavy_occupancy="x", heavy_pue=0.5, light_occupancy=-1.0))
    assert {"heavy.occupancy", "heavy.pue", "light.occupancy"} == {p.field for p in e.problems}


def test_cross_field_rule_names_the_cell(seed_xlsx):
    e = _error(_edit(seed_xlsx, light_sell_price_basis="p_year"))  # needs a sell price per P
    assert _cell_of(seed_xlsx, "light_sell_price_cny_per_p_year") in str(e)


def test_model_constant_must_keep_its_value(seed_xlsx):
    e = _error(_edit(seed_xlsx, months_per_year=13))
    assert "model constant" in str(e) and _cell_of(seed_xlsx, "months_per_year") in str(e)


def test_error_value_in_input_cell(seed_xlsx, tmp_path):
    raw = _edit(seed_xlsx, heavy_pue="#DIV/0!")
    assert "holds the error #DIV/0!" in str(_error(raw)) or "holds text" in str(_error(raw))


def test_workbook_error_is_a_value_error_with_problems(seed_xlsx):
    e = _error(_edit(seed_xlsx, heavy_occupancy=2.0))
    assert isinstance(e, ValueError) and isinstance(e, schema.ScenarioError)
    assert e.problems[0].field == "heavy.occupancy" and e.problems[0].value == 2.0


# --------------------------------------------------------------------------- CLI
def test_cli_export_then_import(tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)
    for folder in ("exports", "assumptions"):  # shipped with the repository; atomic writes need them
        (tmp_path / folder).mkdir()
    run = CliRunner().invoke
    res = run(app, ["export", str(SEED_FILE), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    made = tmp_path / "exports" / workbook.safe_filename(seed.name)
    assert made.exists() and str(made.relative_to(tmp_path)) in res.stdout
    res = run(app, ["import", str(made), "--out", "assumptions/back.toml"])
    assert res.exit_code == 0, res.output
    assert schema.load(tmp_path / "assumptions" / "back.toml") == seed


def test_cli_export_out_and_default_import_name(tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)
    for folder in ("x", "assumptions"):  # atomic writes refuse a missing directory
        (tmp_path / folder).mkdir()
    run = CliRunner().invoke
    assert run(app, ["export", str(SEED_FILE), "--out", "x/seed.xlsx", "--no-sensitivity"]).exit_code == 0
    res = run(app, ["import", "x/seed.xlsx"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "assumptions" / workbook.safe_filename(seed.name, suffix=".toml")).exists()


def test_cli_import_refuses_to_overwrite_without_force(tmp_path, seed_xlsx):
    wb, out = tmp_path / "s.xlsx", tmp_path / "s.toml"
    wb.write_bytes(seed_xlsx)
    out.write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(app, ["import", str(wb), "--out", str(out)])
    assert res.exit_code == 2 and "exists; use --force" in res.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    res = CliRunner().invoke(app, ["import", str(wb), "--out", str(out), "--force"])
    assert res.exit_code == 0 and out.read_text(encoding="utf-8") != "keep me"


@pytest.mark.parametrize("kind", ["text", "range"])
def test_cli_import_bad_workbook_writes_nothing(tmp_path, seed_xlsx, kind):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook" if kind == "text" else _edit(seed_xlsx, heavy_occupancy=1.5))
    out = tmp_path / "out.toml"
    res = CliRunner().invoke(app, ["import", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ") and "Traceback" not in res.output
    if kind == "range":
        assert _cell_of(seed_xlsx, "heavy_occupancy") in res.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx"]


def test_cli_export_errors_are_one_line(tmp_path):
    res = CliRunner().invoke(app, ["export", str(SEED_FILE), "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "must end in .xlsx" in res.stderr
    res = CliRunner().invoke(app, ["export", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and res.stderr.startswith("error:") and "Traceback" not in res.output


def test_cli_help_mentions_units():
    res = CliRunner().invoke(app, ["export", "--help"])
    assert res.exit_code == 0 and "CNY" in res.stdout
    res = CliRunner().invoke(app, ["import", "--help"])
    assert res.exit_code == 0 and "untrusted" in res.stdout


# --------------------------------------------------------------------------- issue 13: horizon, scenarios
def test_horizon_above_the_exported_months_is_refused_naming_the_cell(tmp_path, seed_xlsx):
    """Data validation stops typing 90 in a 60-month workbook, not a paste or a script; import refuses it."""
    bad = tmp_path / "h90.xlsx"
    bad.write_bytes(_edit(seed_xlsx, general_horizon_months=90))
    e = _error(bad.read_bytes())
    cell = _cell_of(seed_xlsx, "general_horizon_months")
    assert len(e.problems) == 1 and cell in str(e) and "60 months this workbook was exported with" in str(e)
    res = CliRunner().invoke(app, ["import", str(bad), "--out", str(tmp_path / "h90.toml")])
    assert res.exit_code == 2 and cell in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "h90.toml").exists()
    assert workbook.read_workbook(_edit(seed_xlsx, general_horizon_months=36)).general.horizon_months == 36


def test_cli_exports_several_scenarios_and_imports_the_live_one(tmp_path):
    presets = [schema.load(p) for p in PRESETS[:3]]
    out = tmp_path / "three.xlsx"
    res = CliRunner().invoke(app, ["export", *map(str, PRESETS[:3]), "--out", str(out), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert workbook.read_workbook(data) == presets[0]  # the switch starts on the first scenario
    for s in presets[1:]:
        assert workbook.read_workbook(_edit(data, scenario_switch=s.name)) == s  # exact, sources included
    e = _error(_edit(data, scenario_switch="nobody"))
    assert "scenario switch" in str(e) and "Inputs!C3" in str(e)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.defined_names["heavy_occupancy"].attr_text.startswith("INDEX('Inputs'!$C$")


def test_cli_refuses_two_scenarios_of_one_name(tmp_path):
    res = CliRunner().invoke(app, ["export", str(SEED_FILE), str(SEED_FILE), "--out", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "name" in res.stderr and not (tmp_path / "x.xlsx").exists()


def test_an_input_outside_its_bounds_names_the_check_that_fails_in_the_workbook(seed_xlsx):
    e = _error(_edit(seed_xlsx, heavy_occupancy=1.5))
    assert "check inputs_in_range" in str(e) and _cell_of(seed_xlsx, "heavy_occupancy") in str(e)
