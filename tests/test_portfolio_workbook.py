"""The portfolio workbook is live and equals the engine (issue 14, "Workbook").

Proof by recalculation, as for the scenario workbook (tests/test_excel.py): the presets and edge
portfolios are exported, recalculated by LibreOffice in one headless run, and every monthly line and
KPI of the Company sheet must equal ``portfolio_result.evaluate`` to 1e-9 relative (absolute floor
1e-12 × the line's largest value, for cumulative lines that cancel to near zero). The cases cover
delivery in lots with slippage (h800_lots), a refresh with a resale, a sub-leased book, company
lines and a company loan (three_generations), a loss-making book that shelters another's profit, a
balloon at the horizon, and company-wide shocks.

Structure tests (no LibreOffice): a cohort's timeline carries the scenario workbook's formulas,
character for character; the Company sheet reads the cohorts through INDEX shifts only.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from finmodel import schema, workbook
from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio_result import PortfolioResult, evaluate
from finmodel.schema import portfolio
from finmodel.workbook import company as wbc
from finmodel.workbook.layout import COL_KEY, COL_MONTH0, COL_VALUE, MONTH_ROW

from .conftest_lo import recalculate
from .test_portfolio import COMPANY_TAX, H800, general_of

ROOT = Path(__file__).resolve().parents[1]
PRESETS = {"h800_lots": ROOT / "assumptions" / "portfolio" / "h800_lots.toml",
           "three_generations": ROOT / "assumptions" / "portfolio" / "three_generations.toml"}
REL, FLOOR = 1e-9, 1e-12
#: What a NaN result reads as in a cell (the engine's never / none / n/a texts).
NAN_TEXTS = {"never", "none", "n/a", ""}
SHOCKED_BALLOON = """
[general]
horizon_months = 48
tax_rate = 0.25
[company]
overhead_cny_per_month = 20000
loan_cny = 2000000
loan_draw_month = 6
loan_term_months = 120
[shocks]
price_factor = 0.9
electricity_factor = 1.2
[cohorts.a]
[cohorts.a.heavy]
servers = 3
loan_share_of_capex = 0.6
loan_term_months = 96
[cohorts.b]
like = "a"
purchase_month = 10
retire_month = 40
resale_share_of_book = 1.3
"""


def _cases(folder: Path) -> dict[str, portfolio.Portfolio]:
    shutil.copy(H800, folder / "cohort.toml")
    one = folder / "one.toml"
    one.write_text(general_of(schema.load(H800)) + '[cohorts.only]\nscenario = "cohort.toml"\n', encoding="utf-8")
    out = {name: portfolio.load(path) for name, path in PRESETS.items()}
    out["one_cohort"] = portfolio.load(one)
    out["shelter"] = portfolio.parse(COMPANY_TAX)
    out["balloon_shocks_resale_gain"] = portfolio.parse(SHOCKED_BALLOON)
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, portfolio.Portfolio]:
    return _cases(tmp_path_factory.mktemp("portfolios"))


@pytest.fixture(scope="module")
def recalculated(cases: dict[str, portfolio.Portfolio], tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, openpyxl.Workbook]:
    work = tmp_path_factory.mktemp("lo")
    files = {}
    for name, p in cases.items():
        files[name] = wbc.write_portfolio_workbook(p, work / f"{name}.xlsx")
    out = recalculate(list(files.values()), work)
    return {name: openpyxl.load_workbook(out[path], data_only=True) for name, path in files.items()}


def _num(v: object) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def compare(wb: openpyxl.Workbook, r: PortfolioResult) -> tuple[list[str], int]:
    """Every Company row and KPI vs the engine: (problems, values compared)."""
    ws = wb[wbc.COMPANY]
    h = r.portfolio.horizon_months
    scale = float(np.nanmax(np.abs(r.monthly.to_numpy(dtype=float)))) or 1.0
    bad, n = [], 0
    for row in range(MONTH_ROW + 1, ws.max_row + 1):
        key = ws.cell(row, COL_KEY).value
        if key in r.monthly:
            got = np.array([_num(ws.cell(row, COL_MONTH0 + t).value) for t in range(h + 1)])
            want = r.monthly[key].to_numpy(dtype=float)
            ok = (np.abs(got - want) <= REL * np.abs(want) + FLOOR * scale) | (np.isnan(got) & np.isnan(want))
            bad += [f"{key}[{t}]: {got[t]} != {want[t]}" for t in np.flatnonzero(~ok)[:3]]
            n += h + 1
        elif key in r.company:
            value, want = ws.cell(row, COL_VALUE).value, r.company[key]
            got = _num(value)
            close = abs(got - want) <= REL * abs(want) + FLOOR * scale
            ok = (str(value or "") in NAN_TEXTS) if math.isnan(want) else close
            bad += [] if ok else [f"{key}: {value!r} != {want}"]
            n += 1
    return bad, n


def _errors(wb: openpyxl.Workbook) -> list[str]:
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and re.fullmatch(r"#[A-Z/0!]+[!?A]?", c.value)]


@pytest.mark.lo
@pytest.mark.parametrize("name", ["h800_lots", "three_generations", "one_cohort", "shelter",
                                  "balloon_shocks_resale_gain"])
def test_recalculated_company_sheet_equals_the_engine(name: str, cases: dict[str, portfolio.Portfolio],
                                                      recalculated: dict[str, openpyxl.Workbook]) -> None:
    r = evaluate(cases[name])
    bad, n = compare(recalculated[name], r)
    assert bad == []
    every = [i.key for i in pi.ROLLUP if i.key in r.monthly or i.key in r.company]
    assert n >= (len([k for k in every if k in r.monthly]) * (r.portfolio.horizon_months + 1)
                 + len([k for k in every if k in r.company]))  # every line and KPI was on the sheet
    assert _errors(recalculated[name]) == []


def test_the_cases_reach_the_hard_paths(cases: dict[str, portfolio.Portfolio]) -> None:
    rs = {name: evaluate(p) for name, p in cases.items()}
    assert rs["shelter"].company["tax_sheltered_cny"] > 0
    assert rs["balloon_shocks_resale_gain"].monthly["retirement_gain_cny"].iloc[40] > 0  # resale above book
    assert rs["balloon_shocks_resale_gain"].monthly["settlement_cny"].iloc[48] < 0  # balances owed at the horizon
    assert math.isfinite(rs["three_generations"].company["min_dscr"])
    assert any(c.slip_months for c in cases["h800_lots"].cohorts)
    assert math.isnan(rs["three_generations"].company["payback_months"])  # "never" on the sheet


@pytest.mark.lo
def test_the_cohort_sheet_of_a_month_0_cohort_is_the_scenario_timeline(
        cases: dict[str, portfolio.Portfolio], recalculated: dict[str, openpyxl.Workbook]) -> None:
    from finmodel import model

    s = cases["one_cohort"].cohorts[0].scenario
    want = model.evaluate(s).heavy_monthly
    ws = recalculated["one_cohort"][wbc.sheet_names(cases["one_cohort"])[0]]
    compared = 0
    for row in range(MONTH_ROW + 1, ws.max_row + 1):
        key = ws.cell(row, COL_KEY).value
        if key in want:
            got = np.array([_num(ws.cell(row, COL_MONTH0 + t).value) for t in range(len(want))])
            np.testing.assert_allclose(got, want[key].to_numpy(dtype=float), rtol=REL, atol=1e-6, err_msg=key)
            compared += 1
    assert compared > 60


def test_a_cohort_timeline_has_the_scenario_workbooks_formulas(cases: dict[str, portfolio.Portfolio],
                                                                tmp_path: Path) -> None:
    p = cases["one_cohort"]
    scenario_book = openpyxl.load_workbook(workbook.write_workbook(p.cohorts[0].scenario, tmp_path / "s.xlsx",
                                                                   sensitivity=False))
    book = openpyxl.load_workbook(wbc.write_portfolio_workbook(p, tmp_path / "p.xlsx"))
    heavy, cohort = scenario_book[workbook.HEAVY], book[wbc.sheet_names(p)[0]]
    own = f"'{cohort.title}'!"  # a whole-row reference names its sheet: the cohort's, not Heavy

    def text(v: object) -> object:
        return v.replace(own, "Heavy!") if isinstance(v, str) else v

    same = 0
    for row in range(MONTH_ROW + 1, heavy.max_row + 1):
        key = heavy.cell(row, COL_KEY).value
        if key:
            assert cohort.cell(row, COL_KEY).value == key
            for col in (COL_VALUE, COL_MONTH0):
                assert text(cohort.cell(row, col).value) == heavy.cell(row, col).value, (key, col)
            same += 1
    assert same > 80
    # the cohort sheet's inputs are its own: sheet-scoped names into its column on Portfolio inputs
    local = cohort.defined_names
    assert "heavy_servers" in local and "heavy_servers" not in book.defined_names
    assert wbc.PORTFOLIO_INPUTS in local["heavy_servers"].attr_text


def test_the_company_sheet_sums_cohorts_shifted_with_index_to_their_purchase_months(
        cases: dict[str, portfolio.Portfolio], tmp_path: Path) -> None:
    p = cases["h800_lots"]
    book = openpyxl.load_workbook(wbc.write_portfolio_workbook(p, tmp_path / "p.xlsx"))

    def formula(sheet: str, key: str, month: int) -> str:
        ws = book[sheet]
        row = next(r for r in range(MONTH_ROW + 1, ws.max_row + 1) if ws.cell(r, COL_KEY).value == key)
        return str(ws.cell(row, COL_MONTH0 + month).value)

    names = wbc.sheet_names(p)
    assert len(names) == len(p.cohorts) + sum(1 for c in p.cohorts if c.slip_months)  # a slipped cohort: two rows
    company = formula(wbc.COMPANY, "heavy_revenue_cny", 5)
    assert company.count("!") == len(p.cohorts) and "INDEX" not in company and "OFFSET" not in company
    for i, c in enumerate(p.cohorts):
        alone = formula(f"A{i + 1} {c.name}"[:31], "heavy_revenue_cny", 5)
        assert alone.count("INDEX(") == 1 + (c.slip_months > 0) and "OFFSET" not in alone
        assert f"cohort_{c.name}_purchase_month" in alone and f"cohort_{c.name}_purchase_month" in book.defined_names


def test_a_portfolio_too_large_for_excels_formulas_is_refused_before_writing(tmp_path: Path) -> None:
    cohorts = "".join(f"[cohorts.cohort_with_a_long_name_{i}]\n" for i in range(400))
    p = portfolio.parse(f"[general]\nhorizon_months = 12\n{cohorts}")
    with pytest.raises(ValueError, match="exceed Excel's 8,192 characters; export at most about 250 cohorts"):
        wbc.write_portfolio_workbook(p, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()
