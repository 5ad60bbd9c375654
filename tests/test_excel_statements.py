"""Issue 13, the lender's sheets: the monthly Income statement, Cash flow, Balance sheet and Debt
sheets and the Annual sheet, recalculated by LibreOffice, equal the engine.

* Every monthly line equals its engine row (with the cash sign of ``reports.CASH_SIGN``) to 1e-9;
  the Debt sheet's corkscrew closes (opening = last month's closing; opening + flows = closing).
* The Annual sheet equals ``reports.annual`` (fiscal years; with a January start also the calendar
  roll-up) to 1e-9: years, first and last months, months per year, every statement line, DSCR and
  margins ("n/a" where the engine has NaN); columns past the horizon's last year are blank. The
  annual sums equal the monthly sheets' horizon totals and the engine's monthly sums.
* The statements' two checks fail — alone — when their identity is broken on purpose.
* Structure (no LibreOffice): the sheets present ``reports.LINES`` in order as links; the Debt
  sheet shows exactly the candidate rows a model defines (an engine corkscrew's rows appear by
  their keys); no formula on these sheets or on Checks exceeds 200 characters at 360 months.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from finmodel import model, schema, workbook
from finmodel.model import engine, heavy, light, reports
from finmodel.workbook import layout as wl
from finmodel.workbook import report_plan as rp
from finmodel.workbook.annual import COL_YEAR0

from .conftest import PRESETS, SEED_FILE, random_scenario
from .conftest_lo import recalculate
from .test_excel import _apply_edits, _named, failing_checks

REL, FLOOR = 1e-9, 1e-12


def _seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


def _h800() -> schema.Scenario:
    return schema.load(next(p for p in PRESETS if p.name.startswith("h800")))


def _loan(s: schema.Scenario) -> schema.Scenario:
    return s.replace({"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84, "general.tax_rate": 0.25})


# id → (exported scenario, edits by defined name, expected scenario)
CASES: dict[str, tuple[schema.Scenario, dict[str, Any], schema.Scenario]] = {}


def _twin(cid: str, s: schema.Scenario) -> None:
    CASES[cid] = (s, {}, s)


_twin("april-loan-tax-resale", _loan(_seed()).replace({"general.start_date": "2025-08",
                                                         "general.fiscal_year_start_month": 4,
                                                         "heavy.terminal_value_method": "resale_fraction"}))
_twin("calendar-years", _h800().replace({"general.start_date": "2024-12", "general.fiscal_year_start_month": 1}))
_twin("july-loss-start", _h800().replace({"heavy.loan_share_of_capex": 0.8, "general.tax_rate": 0.25,
                                          "heavy.occupancy_start": 0.05, "heavy.ramp_months": 18,
                                          "heavy.depreciation_method": "declining_balance",
                                          "general.fiscal_year_start_month": 7}))
_twin("one-month", _h800().replace({"general.horizon_months": 1}))
_twin("random-120", random_scenario(np.random.default_rng(1313), horizon=120))
_WHAT_IF = {"general.horizon_months": 41, "general.fiscal_year_start_month": 10, "heavy.loan_share_of_capex": 0.5}
CASES["what-if-horizon-fiscal-loan"] = (_h800(), {engine.name_of(k): v for k, v in _WHAT_IF.items()},
                                        _h800().replace(_WHAT_IF))
_SWITCHES = {"heavy.cash_cost_method": "bottom_up", "heavy.energy_method": "fixed", "heavy.billing_mode": "annual",
             "heavy.depreciation_method": "sum_of_years", "heavy.terminal_value_method": "resale_decline",
             "light.after_buy_term": "drop", "light.buy_term_months": 30, "light.sell_price_basis": "p_year",
             "light.sell_price_cny_per_p_year": 260_000.0, "general.start_date": "2027-03"}
CASES["what-if-every-switch"] = (_loan(_seed()), {engine.name_of(k): v for k, v in _SWITCHES.items()
                                                  if k != "general.start_date"}
                                 | {"general_start_date": 12 * 2027 + 2}, _loan(_seed()).replace(_SWITCHES))

# id → (scenario, typed-over cells (sheet, model, key, month) → value, the checks that must fail)
Edit = tuple[str, str, str, int]
BROKEN: dict[str, tuple[schema.Scenario, dict[Edit, float], set[str]]] = {
    "heavy-fixed-assets-typed-over": (_loan(_seed()), {(workbook.HEAVY, "heavy", "net_fixed_assets_cny", 5): 0.0},
                                      {"heavy_balance_sheet"}),
    "light-platform-typed-over": (_seed().replace({"light.platform_investment_cny": 1e6}),
                                  {(workbook.LIGHT, "light", "net_fixed_assets_cny", 5): 0.0}, {"light_balance_sheet"}),
    "heavy-bs-cash-typed-over": (_loan(_seed()), {(workbook.BALANCE, "heavy", "closing_cash_cny", 5): 1000.0},
                                 {"heavy_closing_cash"}),
    "light-bs-cash-typed-over": (_seed(), {(workbook.BALANCE, "light", "closing_cash_cny", 7): -50.0},
                                 {"light_closing_cash"}),
    "heavy-cash-row-typed-over": (_loan(_seed()), {(workbook.HEAVY, "heavy", "closing_cash_cny", 5): 1000.0},
                                  {"heavy_closing_cash", "heavy_balance_sheet"}),
}


def _plan(s: schema.Scenario) -> wl.Layout:
    return wl.plan([s], sensitivity=False)


def _edit_cells(data: bytes, s: schema.Scenario, edits: dict[Edit, float]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    lay = _plan(s)
    for (sheet, m, key, month), value in edits.items():
        row = (lay.models[m].rows[key] if sheet in (workbook.HEAVY, workbook.LIGHT)
               else lay.reports.monthly[sheet].row_of(m, key))
        wb[sheet].cell(row, workbook.COL_MONTH0 + month).value = value  # pyright: ignore[reportAttributeAccessIssue]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    work = tmp_path_factory.mktemp("lo-statement-sheets")
    files: dict[str, Path] = {}
    for cid, (s, edits, _) in CASES.items():
        data = workbook.workbook_bytes(s, sensitivity=False)
        files[cid] = work / f"{cid}.xlsx"
        files[cid].write_bytes(_apply_edits(data, edits) if edits else data)
    for cid, (s, cells, _) in BROKEN.items():
        files[cid] = work / f"{cid}.xlsx"
        files[cid].write_bytes(_edit_cells(workbook.workbook_bytes(s, sensitivity=False), s, cells))
    out = recalculate(list(files.values()), work)
    return {cid: openpyxl.load_workbook(out[p], data_only=True) for cid, p in files.items()}


# --------------------------------------------------------------------------- comparing
def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _money(monthly: Any, m: str) -> float:
    keys = [i.key for i in model.MODELS[m] if i.kind == "row" and i.unit.startswith("CNY")]
    return float(np.nanmax(np.abs(monthly[keys].to_numpy(dtype=float)))) or 1.0


def _close(got: np.ndarray, want: np.ndarray, scale: float) -> np.ndarray:
    """Equal within the tolerance; a blank engine value (NaN: no DSCR without debt service) is a blank
    or text cell in the workbook (NaN here too)."""
    return np.where(np.isnan(want), np.isnan(got), np.abs(got - want) <= REL * np.abs(want) + FLOOR * scale)


def _months(ws: Any, row: int, n: int) -> np.ndarray:
    return np.array([_num(ws.cell(row, workbook.COL_MONTH0 + j).value) for j in range(n)])


def _label(v: Any) -> str:
    return f"{v.year}-{v.month:02d}" if isinstance(v, dt.datetime) else str(v)


# --------------------------------------------------------------------------- monthly sheets
@pytest.mark.lo
@pytest.mark.parametrize("cid", list(CASES))
def test_monthly_statement_sheets_equal_the_engine(cid, recalculated):
    s = CASES[cid][2]
    wb, r, n = recalculated[cid], model.evaluate(s), s.general.horizon_months + 1
    lay = _plan(s)
    for sheet in lay.reports.monthly.values():
        ws = wb[sheet.name]
        periods = [_label(ws.cell(rp.PERIOD_ROW, workbook.COL_MONTH0 + j).value) for j in range(n)]
        assert periods == reports.period_labels(r.heavy_monthly["month_number"]), sheet.name
        for block in sheet.blocks:
            monthly = getattr(r, f"{block.model}_monthly")
            for line in block.lines:
                got = _months(ws, line.row, n)
                if line.key == rp.OPENING_LINK:  # the corkscrew: last month's closing balance, 0 before month 0
                    closing = monthly["debt_balance_cny"].to_numpy(dtype=float)
                    want = np.r_[0.0, closing[:-1]]
                else:
                    want = line.sign * monthly[line.key].to_numpy(dtype=float)
                ok = _close(got, want, _money(monthly, block.model))
                assert ok.all(), (cid, sheet.name, line.key, int(np.flatnonzero(~ok)[0]))


@pytest.mark.lo
def test_the_debt_corkscrew_closes_every_month(recalculated):
    s = CASES["april-loan-tax-resale"][2]
    ws, sheet = recalculated["april-loan-tax-resale"][workbook.DEBT], _plan(s).reports.monthly[workbook.DEBT]
    n = s.general.horizon_months + 1
    row = {line.key: line.row for b in sheet.blocks for line in b.lines}
    opening, closing = _months(ws, row["debt_opening_cny"], n), _months(ws, row["debt_balance_cny"], n)
    flows = sum(sign * _months(ws, row[k], n) for k, sign in (
        ("debt_drawdown_cny", 1), ("capitalised_interest_cny", 1), ("debt_principal_cny", -1),
        ("debt_balloon_paid_cny", -1), ("settlement_cny", 1)))  # settlement: signed as a cash flow (−)
    assert closing[0] == pytest.approx(0.6 * model.evaluate(s).heavy["capex_cny"], rel=1e-12)  # drawn at month 0
    assert np.allclose(opening + flows, closing, rtol=0, atol=1e-6) and abs(closing[-1]) < 1e-6  # repaid by the end
    assert (closing[1:-1] > 0).all() and np.allclose(opening[1:], closing[:-1], rtol=0, atol=0)


# --------------------------------------------------------------------------- the Annual sheet
def _annual_values(ws: Any, row: int, years: int) -> list[Any]:
    return [ws.cell(row, COL_YEAR0 + k).value for k in range(years)]


@pytest.mark.lo
@pytest.mark.parametrize("cid", list(CASES))
def test_annual_sheet_equals_the_engine_roll_up(cid, recalculated):
    s = CASES[cid][2]
    wb, r, lay = recalculated[cid], model.evaluate(s), _plan(s)
    ws, plan = wb[workbook.ANNUAL], lay.reports.annual
    for m in ("heavy", "light"):
        monthly = getattr(r, f"{m}_monthly")
        a = reports.annual(monthly, m, "fiscal")
        k = len(a)
        assert _annual_values(ws, rp.YEAR_ROW, k) == a.index.tolist(), cid
        assert _annual_values(ws, rp.MONTHS_ROW, plan.years) == [*a["months"].astype(int), *[0] * (plan.years - k)]
        assert [_label(v) for v in _annual_values(ws, rp.FROM_ROW, k)] == a["first"].tolist()
        assert [_label(v) for v in _annual_values(ws, rp.TO_ROW, k)] == a["last"].tolist()
        for block in (b for b in plan.blocks if b.model == m):
            for row in block.rows:
                values = _annual_values(ws, row.row, plan.years)
                assert all(v in (None, "") for v in values[k:]), (cid, row.key)  # past the horizon's years
                col = a[row.key] if row.key in a.columns else reports.rollup(  # a ratio's sum not on a statement
                    monthly[[row.key]], reports.year_of(monthly), flows=[row.key])[row.key]
                want = col.to_numpy(dtype=float) * row.sign
                got = np.array([math.nan if v == "n/a" else _num(v) for v in values[:k]])
                scale = 1.0 if row.how == "ratio" else _money(monthly, m)
                ok = np.where(np.isnan(want), np.isnan(got) & np.array([v == "n/a" for v in values[:k]]),
                              _close(got, np.nan_to_num(want), scale))
                assert ok.all(), (cid, m, row.key, values[:k], want)


@pytest.mark.lo
def test_january_fiscal_years_are_the_calendar_roll_up(recalculated):
    s = CASES["calendar-years"][2]
    ws = recalculated["calendar-years"][workbook.ANNUAL]
    a = reports.annual(model.evaluate(s).heavy_monthly, "heavy", "calendar")
    row = _plan(s).reports.annual.row_of("heavy", "revenue_cny")
    assert _annual_values(ws, rp.YEAR_ROW, len(a)) == a.index.tolist() == list(range(2024, 2030))
    assert np.allclose(np.array(_annual_values(ws, row, len(a)), dtype=float), a["revenue_cny"], rtol=1e-12)


@pytest.mark.lo
@pytest.mark.parametrize("cid", list(CASES))
def test_annual_sums_equal_the_monthly_sums(cid, recalculated):
    """Σ over the years of each annual flow = the monthly sheet's horizon total = Σ of the engine's months."""
    s = CASES[cid][2]
    wb, r, lay = recalculated[cid], model.evaluate(s), _plan(s)
    plan, ws = lay.reports.annual, wb[workbook.ANNUAL]
    inc = lay.reports.monthly[workbook.INCOME]
    checked = 0
    for block in plan.blocks:
        monthly = getattr(r, f"{block.model}_monthly")
        for row in (x for x in block.rows if x.how == "flow"):
            total = sum(_num(v) for v in _annual_values(ws, row.row, plan.years) if v not in (None, ""))
            want = row.sign * float(monthly[row.key].sum())
            assert abs(total - want) <= REL * abs(want) + FLOOR * _money(monthly, block.model), (cid, row.key)
            if any(line.key == row.key for b in inc.blocks if b.model == block.model for line in b.lines):
                sheet_total = _num(wb[workbook.INCOME].cell(inc.row_of(block.model, row.key), workbook.COL_VALUE).value)
                assert abs(total - row.sign * sheet_total) <= REL * abs(want) + FLOOR * _money(monthly, block.model)
                checked += 1
    assert checked >= 20


@pytest.mark.lo
@pytest.mark.parametrize("cid", list(CASES))
def test_every_check_passes(cid, recalculated):
    wb = recalculated[cid]
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1
    assert {f"{m}_{c}" for m in ("heavy", "light") for c in ("balance_sheet", "closing_cash")} <= {
        n.removeprefix("check_") for n in wb.defined_names if n.startswith("check_")}


# --------------------------------------------------------------------------- each check fails alone
@pytest.mark.lo
@pytest.mark.parametrize("cid", list(BROKEN))
def test_statement_checks_fail_when_their_identity_is_broken(cid, recalculated):
    wb = recalculated[cid]
    assert failing_checks(wb) == BROKEN[cid][2]
    assert _named(wb, workbook.CHECKS_OK) == 0
    assert "CHECK FAILED" in wb[workbook.SUMMARY]["C2"].value


# --------------------------------------------------------------------------- structure (no LibreOffice)
@pytest.fixture(scope="module")
def seed_book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(_loan(_seed()), sensitivity=False)))


_LINK = re.compile(r"=(-?)(Heavy|Light)!([A-Z]+)(\d+)")


def test_monthly_sheets_present_the_engine_lines_as_links(seed_book):
    lay = _plan(_loan(_seed()))
    for sheet_name, statement in rp.MONTHLY_SHEETS.items():
        if statement is None:
            continue
        ws = seed_book[sheet_name]
        for m in ("heavy", "light"):
            keys = [k for k in reports.LINES[m][statement] if k in lay.models[m].rows]
            rows = [r for r in range(rp.FIRST_LINE_ROW, ws.max_row + 1)
                    if str(ws.cell(r, workbook.COL_KEY).value).startswith(m + ".")]
            assert [ws.cell(r, workbook.COL_KEY).value for r in rows] == [f"{m}.{k}" for k in keys], (sheet_name, m)
            for r, key in zip(rows, keys, strict=True):
                for j in (0, 1, 60):
                    got = _LINK.fullmatch(ws.cell(r, workbook.COL_MONTH0 + j).value)
                    assert got, (sheet_name, key, ws.cell(r, workbook.COL_MONTH0 + j).value)
                    sign = -1 if got.group(1) else 1
                    want_sign = reports.CASH_SIGN[m].get(key, 1) if statement == "cash_flow" else 1
                    assert (sign, got.group(2), got.group(3), int(got.group(4))) == (
                        want_sign, lay.models[m].sheet, ws.cell(4, workbook.COL_MONTH0 + j).column_letter,
                        lay.models[m].rows[key])


def test_debt_sheet_shows_the_engine_corkscrew_and_coverage():
    """The Debt sheet presents the engine's corkscrew (debt.py) as it is: no opening-balance link."""
    sheet = _plan(_seed()).reports.monthly[workbook.DEBT]
    keys = [line.key for b in sheet.blocks for line in b.lines]
    assert keys == ["debt_opening_cny", "debt_drawdown_cny", "capitalised_interest_cny", "debt_principal_cny",
                    "debt_balloon_paid_cny", "settlement_cny", "debt_balance_cny", "interest_cny",
                    "interest_paid_cny", "debt_fee_cny", "cfads_cny", "debt_service_cny", "dscr", "dscr_12m",
                    "below_covenant", "loan_balance_cny"]
    assert rp.OPENING_LINK not in keys and sheet.opening_link is None
    assert [k for k, _ in sheet.terms] == ["loan_cny", "dscr_sized_debt_cny", "loan_rate_per_month",
                                           "loan_payment_cny", "min_dscr", "average_dscr", "llcr",
                                           "months_below_covenant", "covenant_breach"]


def test_debt_sheet_links_the_opening_balance_without_an_engine_opening_row():
    """A model without ``debt_opening_cny`` (an older list of items) gets the link to last month's closing."""
    items = [i for i in heavy.ITEMS if i.key != "debt_opening_cny"]
    plan = rp.plan_reports(60, {"heavy": (items, heavy.RESULTS), "light": (light.ITEMS, light.RESULTS)})
    sheet = plan.monthly[workbook.DEBT]
    keys = [line.key for b in sheet.blocks for line in b.lines]
    assert keys[0] == rp.OPENING_LINK
    assert sheet.opening_link == (sheet.row_of("heavy", rp.OPENING_LINK), sheet.row_of("heavy", "debt_balance_cny"))


def test_annual_sheet_has_a_column_for_every_year_the_months_can_touch():
    """As many columns as the most fiscal years months 0..H touch over every purchase month and
    fiscal-year start (the engine's own calendar), and no more."""
    for h in (1, 11, 12, 13, 60, 120):
        most = max(len(np.unique(reports.years(24_300 + start, h + 1, first))) for start in range(12)
                   for first in range(1, 13))
        assert rp.year_columns(h) == most, h


def test_no_formula_over_200_characters_on_the_new_sheets_at_360_months():
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(
        _loan(_seed()).replace({"general.horizon_months": 360}), sensitivity=False)))
    sheets = [*rp.REPORT_SHEETS, workbook.CHECKS]
    lengths = {(name, c.coordinate): len(str(c.value)) - 1 for name in sheets for row in wb[name].iter_rows()
               for c in row if c.data_type == "f"}
    assert {k: n for k, n in lengths.items() if n > 200} == {}
    assert len(lengths) > 20_000 and max(lengths.values()) > 80  # every sheet scanned
