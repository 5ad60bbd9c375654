"""Issue 13: the workbook's control layer and scenarios in one workbook, proven in LibreOffice.

Every check passes on every preset, random scenario and in-range what-if (``tests/test_excel.py``
asserts it on each of its recalculated cases). Here each check is shown to **fail** when its identity
is broken on purpose — a cell edited as an analyst (or a paste) would, then recalculated — and to
fail alone; the master check ``checks_ok`` falls to 0 and ``finmodel import`` refuses the saved file
naming the check. A workbook of three presets, switched to each, equals that preset's engine results.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from finmodel import schema, workbook
from finmodel.cli import app

from .conftest import PRESETS, SEED_FILE
from .conftest_lo import recalculate
from .test_excel import _named, _rows_by_key, compare, failing_checks, named_cell

Edit = tuple[str, str, int]  # (timeline sheet, item key, month): a calculation cell typed over


def _seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


def _loan(s: schema.Scenario) -> schema.Scenario:
    """The issue's case: a 60 % loan over 84 months (longer than the 60-month horizon)."""
    return s.replace({"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84})


def _method(s: schema.Scenario, method: str) -> schema.Scenario:
    """Issue 11's CAS depreciation: 4 years, 10 % salvage (double declining: 50/25/7.5/7.5 % a year)."""
    return s.replace({"heavy.depreciation_method": method, "heavy.depreciation_life_years": 4,
                      "heavy.salvage_fraction": 0.1})


def _platform(s: schema.Scenario) -> schema.Scenario:
    return s.replace({"light.platform_investment_cny": 1e6})


# id → (scenario, edits: defined name or (sheet, key, month) → value, the checks that must fail)
BROKEN: dict[str, tuple[schema.Scenario, dict[Any, Any], set[str]]] = {
    "horizon-beyond-export": (_loan(_seed()), {"general_horizon_months": 90},
                              {"horizon_within_export", "horizon_end_once", "debt_settled", "heavy_book_value",
                               "light_book_value", "inputs_in_range"}),
    "horizon-end-twice": (_seed(), {(workbook.HEAVY, "horizon_end", 10): 1}, {"horizon_end_once"}),
    "debt-flow-typed-over": (_loan(_seed()), {(workbook.HEAVY, "debt_flow_cny", 5): 1000.0}, {"debt_settled"}),
    "depreciation-typed-over": (_seed(), {(workbook.HEAVY, "depreciation_cny", 5): 0.0}, {"heavy_book_value"}),
    **{f"{m}-depreciation-typed-over": (_method(_loan(_seed()), m), {(workbook.HEAVY, "depreciation_cny", 13): 0.0},
                                        {"heavy_book_value"})
       for m in ("double_declining", "sum_of_years", "declining_balance_monthly")},
    "balloon-typed-over": (_loan(_seed()), {(workbook.HEAVY, "settlement_cny", 60): 0.0}, {"debt_settled"}),
    "amortisation-typed-over": (_platform(_seed()), {(workbook.LIGHT, "amortisation_cny", 5): 0.0},
                                {"light_book_value"}),
    "irr-root-typed-over": (_seed(), {"IRR_ROOT": 0.5}, {"irr_heavy_equity_cash_flow_with_terminal"}),
    "occupancy-pasted-out-of-range": (_seed(), {"heavy_occupancy": 1.5}, {"inputs_in_range"}),
    # an unknown GPU makes the catalogue lookups #N/A, so the statements hold errors and cannot balance
    "gpu-pasted-unknown": (_seed(), {"heavy_gpu": "Z9000"},
                           {"inputs_in_range", "heavy_balance_sheet", "heavy_closing_cash", "light_balance_sheet",
                            "light_closing_cash"}),
}
THREE = [schema.load(p) for p in PRESETS[:3]]


def _edit(data: bytes, edits: dict[Any, Any]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for where, value in edits.items():
        if isinstance(where, tuple):
            sheet, key, month = where
            ws = wb[sheet]
            ws.cell(_rows_by_key(ws)[key], workbook.COL_MONTH0 + month).value = value
            continue
        if where == "IRR_ROOT":  # the heavy equity IRR's root on the solver sheet
            where = next(n for n in wb.defined_names if n.startswith("irr_heavy_row"))
        named_cell(wb, where).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _files(work: Path) -> dict[str, Path]:
    files: dict[str, bytes] = {}
    for cid, (s, edits, _) in BROKEN.items():
        files[cid] = _edit(workbook.workbook_bytes(s, sensitivity=False), edits)
    seed = _seed()
    files["sensitivity-current"] = workbook.workbook_bytes(seed)
    files["sensitivity-stale"] = _edit(workbook.workbook_bytes(seed), {"heavy_occupancy": 0.7})
    three = workbook.workbook_bytes(THREE, sensitivity=False)
    for k, s in enumerate(THREE):
        files[f"three-switched-{k}"] = three if k == 0 else _edit(three, {"scenario_switch": s.name})
    files["three-switch-unknown"] = _edit(three, {"scenario_switch": "no such scenario"})
    out = {}
    for cid, data in files.items():
        out[cid] = work / f"{cid}.xlsx"
        out[cid].write_bytes(data)
    return out


@pytest.fixture(scope="module")
def recalculated_files(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lo-checks")
    files = _files(work)
    done = recalculate(list(files.values()), work)
    return {cid: done[p] for cid, p in files.items()}


@pytest.fixture(scope="module")
def recalculated(recalculated_files) -> dict[str, openpyxl.Workbook]:
    return {cid: openpyxl.load_workbook(p, data_only=True) for cid, p in recalculated_files.items()}


# --------------------------------------------------------------------------- each check fails alone
@pytest.mark.lo
@pytest.mark.parametrize("cid", list(BROKEN))
def test_each_check_fails_when_its_identity_is_broken(cid, recalculated):
    wb, (_, _, expected) = recalculated[cid], BROKEN[cid]
    assert failing_checks(wb) == expected
    assert _named(wb, workbook.CHECKS_OK) == 0
    for sheet, cell in ((workbook.COVER, None), (workbook.SUMMARY, "C2")):
        ws = wb[sheet]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)] if cell is None \
            else [ws[cell].value]
        assert any("CHECK FAILED" in t for t in texts), sheet


@pytest.mark.lo
def test_horizon_beyond_export_is_the_issue_case(recalculated):
    """Seed, 60 % loan over 84 months, horizon typed as 90 in a 60-month workbook: the horizon-end
    flag never fires and the loan balance left at month 60 (¥343,939, workbook-review.md) is never settled."""
    wb = recalculated["horizon-beyond-export"]
    assert _named(wb, "check_horizon_within_export") == 0
    assert abs(wb[workbook.HEAVY].cell(_rows_by_key(wb[workbook.HEAVY])["debt_flow_cny"], workbook.COL_VALUE).value
               - 343_939) < 1


@pytest.mark.lo
def test_sensitivity_reads_stale_after_an_edit_but_the_master_check_holds(recalculated):
    current, stale = recalculated["sensitivity-current"], recalculated["sensitivity-stale"]
    assert _named(current, "sensitivity_current") == 1 and "STALE" not in current[workbook.SENSITIVITY]["A3"].value
    assert _named(stale, "sensitivity_current") == 0 and "STALE" in stale[workbook.SENSITIVITY]["A3"].value
    assert _named(stale, workbook.CHECKS_OK) == 1 and failing_checks(stale) == set()  # information, not an error


# --------------------------------------------------------------------------- import refuses failing files
@pytest.mark.lo
def test_import_refuses_a_saved_failing_master_check_naming_it(recalculated_files, tmp_path):
    e = pytest.raises(workbook.WorkbookError, workbook.read_workbook, recalculated_files["depreciation-typed-over"])
    assert "checks_ok" in str(e.value) and "heavy_book_value" in str(e.value)
    out = tmp_path / "x.toml"
    res = CliRunner().invoke(app, ["import", str(recalculated_files["depreciation-typed-over"]), "--out", str(out)])
    assert res.exit_code == 2 and "heavy_book_value" in res.stderr and not out.exists()
    assert len([line for line in res.stderr.splitlines() if line.strip()]) == 1


@pytest.mark.lo
def test_import_refuses_the_horizon_beyond_export_naming_the_cell(recalculated_files, tmp_path):
    cell = _cell_of(workbook.workbook_bytes(_seed(), sensitivity=False), "general_horizon_months")
    res = CliRunner().invoke(app, ["import", str(recalculated_files["horizon-beyond-export"]), "--out",
                                   str(tmp_path / "x.toml")])
    assert res.exit_code == 2 and cell in res.stderr and "horizon_within_export" in res.stderr
    assert not (tmp_path / "x.toml").exists()


def _cell_of(data: bytes, name: str) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return f"{sheet}!{ref.replace('$', '')}"


# --------------------------------------------------------------------------- scenarios in one workbook
@pytest.mark.lo
@pytest.mark.parametrize("k", range(len(THREE)))
def test_three_scenarios_switched_in_each_equal_their_engine_results(k, recalculated, recalculated_files):
    wb = recalculated[f"three-switched-{k}"]
    assert wb[workbook.SUMMARY]["A2"].value == THREE[k].name  # =scenario_name: the live column's name
    assert compare(wb, THREE[k]) == []  # 1e-9, every KPI, named value and monthly line
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1
    assert workbook.read_workbook(recalculated_files[f"three-switched-{k}"]).name == THREE[k].name  # the live one


@pytest.mark.lo
def test_a_switch_naming_no_scenario_fails_its_check(recalculated):
    assert "scenario_switch" in failing_checks(recalculated["three-switch-unknown"])


def test_three_presets_are_distinct():
    assert len({s.name for s in THREE}) == 3 and len({schema.to_toml(s) for s in THREE}) == 3
