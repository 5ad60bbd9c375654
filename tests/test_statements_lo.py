"""Issue 13, the statements in the workbook: every statement and calendar row of an exported
workbook, recalculated by LibreOffice, equals the engine to 1e-9 relative, and the recalculated
balance check is 0 to 1e-6 CNY every month.

The floor is 1e-12 of the model's money scale (its largest monthly amount), as ``test_excel``
compares scalars: net change in cash, cash, the check and the balances after the horizon are 0 in
exact arithmetic and carry each backend's rounding residue (±3e-11 CNY in numpy, often an exact 0
in LibreOffice), which a floor scaled to the residue line itself would call a difference."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import openpyxl
import pytest

from finmodel import model, schema, workbook
from finmodel.model import reports, statements

from .conftest import PRESETS, SEED_FILE, random_scenario
from .conftest_lo import recalculated_scenarios

pytestmark = pytest.mark.lo
REL, FLOOR = 1e-9, 1e-12
CALENDAR = [i.key for i in statements.calendar() if i.kind == "row"]
EXTRA = {"heavy": ["disposal_book_value_cny", "cfads_cny", "debt_service_cny"], "light": []}


def _cases() -> dict[str, schema.Scenario]:
    seed = schema.load(SEED_FILE)
    h800 = schema.load(next(p for p in PRESETS if p.name.startswith("h800")))
    cases = {
        "seed-april-years": seed.replace({"general.start_date": "2025-08", "general.fiscal_year_start_month": 4}),
        "loan-left-tax-resale": seed.replace({"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84,
                                              "general.tax_rate": 0.25, "general.start_date": "2030-12",
                                              "heavy.terminal_value_method": "resale_fraction"}),
        "h800-loss-start": h800.replace({"heavy.loan_share_of_capex": 0.8, "general.tax_rate": 0.25,
                                         "heavy.occupancy_start": 0.05, "heavy.ramp_months": 18,
                                         "heavy.depreciation_method": "declining_balance",
                                         "general.fiscal_year_start_month": 7}),
        "one-month": h800.replace({"general.horizon_months": 1}),
    }
    rng = np.random.default_rng(1313)
    for i in range(6):
        cases[f"random-{i}"] = random_scenario(rng, horizon=int(rng.choice([12, 37, 60, 97])))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    return recalculated_scenarios(CASES, tmp_path_factory.mktemp("lo-statements"))


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _row(ws: Any, key: str, months: int) -> np.ndarray:
    rows = {ws.cell(r, workbook.COL_KEY).value: r for r in range(workbook.MONTH_ROW + 1, ws.max_row + 1)}
    assert key in rows, f"{ws.title} has no row {key}"
    return np.array([_num(ws.cell(rows[key], workbook.COL_MONTH0 + j).value) for j in range(months)])


@pytest.mark.parametrize("cid", list(CASES))
def test_statement_rows_recalculate_to_the_engine(cid, recalculated):
    s = CASES[cid]
    r = model.evaluate(s)
    wb = recalculated[cid]
    n = s.general.horizon_months + 1
    for name, (sheet, _items, _results) in workbook.MODELS.items():
        monthly = getattr(r, f"{name}_monthly")
        money = float(np.nanmax(np.abs(monthly[[i.key for i in model.MODELS[name]
                                                if i.kind == "row" and i.unit.startswith("CNY")]].to_numpy())))
        keys = dict.fromkeys([*CALENDAR, *EXTRA[name], *(k for st in reports.STATEMENTS
                                                         for k in reports.LINES[name][st])])
        for key in keys:
            want = monthly[key].to_numpy(dtype=float)
            got = _row(wb[sheet], key, n)
            ok = np.abs(got - want) <= REL * np.abs(want) + FLOOR * money
            assert ok.all(), (cid, name, key, int(np.flatnonzero(~ok)[0]), got[~ok][:3], want[~ok][:3])
        check = _row(wb[sheet], "balance_check_cny", n)
        assert np.abs(check).max() <= 1e-6, (cid, name, check)  # balances in the workbook too
        cash = {k: _row(wb[sheet], k, n) for k in ("opening_cash_cny", "net_cash_flow_cny", "closing_cash_cny")}
        assert np.allclose(cash["opening_cash_cny"] + cash["net_cash_flow_cny"], cash["closing_cash_cny"],
                           rtol=0, atol=1e-6), (cid, name)
