"""Issue 12, lenders' debt in the workbook: with the debt switches on (equal principal and grace,
capitalised lead-time interest, a finance lease with deposit, buy-out and fee, a bullet, DSCR sizing,
random deals), every line and result of the exported workbook recalculated by LibreOffice equals the
engine (``test_excel.compare``: 1e-9 relative), the Checks sheet passes (``checks_ok`` = 1, with
``debt_settled`` and ``inputs_in_range`` over the [financing] inputs), and every debt row's formula
is at most 200 characters."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import coordinate_to_tuple

from finmodel import model, schema, workbook
from finmodel.model import debt

from .conftest import SEED_FILE, random_scenario
from .conftest_lo import recalculate
from .test_debt import random_financing
from .test_excel import _named, compare, failing_checks, unexpected_errors

F = "financing."


def _cases() -> dict[str, schema.Scenario]:
    seed = schema.load(SEED_FILE)
    loan = {"heavy.loan_share_of_capex": 0.7, "heavy.loan_term_months": 36, "general.tax_rate": 0.25}
    cases = {
        "equal-principal-grace": seed.replace({**loan, F + "repayment": "equal_principal", F + "grace_months": 6,
                                               F + "covenant_dscr": 1.5}),
        "lease-capitalised": seed.replace({**loan, "heavy.lead_time_months": 3, F + "lead_time_interest": "capitalised",
                                           F + "type": "finance_lease", F + "lease_deposit_share": 0.1,
                                           F + "lease_buyout_share": 0.05, F + "upfront_fee_share": 0.015}),
        "bullet-left-at-horizon": seed.replace({**loan, "heavy.loan_term_months": 84, F + "repayment": "bullet"}),
        "dscr-sized": seed.replace({**loan, F + "sizing": "target_dscr", F + "target_dscr": 1.4,
                                    "heavy.price_change_per_year": -0.15}),
        "dscr-sized-capped": seed.replace({**loan, F + "sizing": "target_dscr", F + "max_loan_to_cost": 0.3}),
    }
    rng = np.random.default_rng(1212)
    for i in range(4):
        cases[f"random-{i}"] = random_financing(rng, random_scenario(rng, horizon=int(rng.choice([12, 37, 60]))))
    return cases


CASES = _cases()
DEBT_KEYS = {i.key for i in debt.SIZING + debt.TERMS + debt.CORKSCREW + debt.CASH + debt.COVERAGE + debt.RESULTS}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    work = tmp_path_factory.mktemp("lo-debt")
    files: dict[str, Path] = {}
    for cid, s in CASES.items():
        files[cid] = work / f"{cid}.xlsx"
        files[cid].write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    out = recalculate(list(files.values()), work)
    return {cid: openpyxl.load_workbook(out[p], data_only=True) for cid, p in files.items()}


@pytest.mark.lo
@pytest.mark.parametrize("cid", list(CASES))
def test_debt_workbook_recalculates_to_the_engine_and_passes_its_checks(cid, recalculated):
    s, wb = CASES[cid], recalculated[cid]
    assert compare(wb, s) == []
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1
    assert unexpected_errors(wb, model.evaluate(s)) == []


def test_every_debt_formula_fits_in_200_characters():
    s = CASES["lease-capitalised"]
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(s, sensitivity=False)))
    ws = wb[workbook.HEAVY]
    seen = set()
    for r in range(workbook.MONTH_ROW + 1, ws.max_row + 1):
        key = ws.cell(r, workbook.COL_KEY).value
        if key in DEBT_KEYS:
            seen.add(key)
            for c in ws[r]:
                if c.data_type == "f":
                    assert len(str(c.value)) - 1 <= 200, (key, c.coordinate, len(str(c.value)))
    assert {"loan_balance_cny", "interest_cny", "dscr", "dscr_12m", "debt_principal_cny"} <= seen


@pytest.mark.lo
def test_a_grace_period_as_long_as_the_term_fails_inputs_in_range(tmp_path):
    """Typed over in the workbook (validation bypassed by pasting): the Checks sheet re-tests
    grace < term and ``checks_ok`` falls."""
    s = CASES["equal-principal-grace"]
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(s, sensitivity=False)))
    target = next(iter(wb.defined_names["financing_grace_months"].destinations))
    row, col = coordinate_to_tuple(target[1].replace("$", ""))
    cell = wb[target[0]].cell(row, col)
    assert isinstance(cell, Cell)
    cell.value = 36
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    out = recalculate([path], tmp_path)
    got = openpyxl.load_workbook(out[path], data_only=True)
    assert "inputs_in_range" in failing_checks(got) and _named(got, workbook.CHECKS_OK) == 0

