"""Issue 12, the revenue side in the workbook: with every contract, price-index, service, working-capital
and VAT switch on, the exported workbook recalculated by LibreOffice equals the engine (every named
value, Summary KPI and monthly line, to 1e-9 relative), every check passes (``checks_ok`` = 1), there
is no error cell, and the file imports back to the same scenario — the price index (a list input, a
block of cells on the Inputs sheet) included, also after LibreOffice has saved it."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from finmodel import model, schema, workbook

from .conftest_lo import recalculate
from .test_contracts import scenario
from .test_excel import _errors, _named, compare, failing_checks
from .test_vat import deal_scenario

pytestmark = pytest.mark.lo


def _cases() -> dict[str, schema.Scenario]:
    cases = {
        "tianfeng-contract": scenario(),
        "tianfeng-vat-6": scenario(vat={"mode": "on", "output_rate": 0.06}),
        "tianfeng-vat-13-wc": scenario(vat={"mode": "on", "output_rate": 0.13, "prices_include_vat": "exclusive"},
                                       working_capital={"receivable_days": 45, "payable_days": 30},
                                       contract={"prepaid_share": 0.2, "deposit_cny": 2e5}),
        "index-renewal": scenario(contract={"share": 0.6, "start_month": 3, "term_months": 30, "after_term": "renew",
                                            "renewal_price_factor": 0.8, "price_unit": "p_year",
                                            "price_cny": 106_000.0},
                                  market={"price_index": [1.0, 0.72, 0.85, 1.05]},
                                  service={"availability": 0.95, "sla_credit_share": 0.02},
                                  heavy={"price_cny_per_card_hour": 12.0, "occupancy": 0.6, "ramp_months": 6}),
    }
    cases.update({f"deal-{k}": deal_scenario(100 + k) for k in range(6)})
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def recalculated_files(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lo-deal-revenue")
    files = {}
    for cid, s in CASES.items():
        files[cid] = work / f"{cid}.xlsx"
        files[cid].write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    out = recalculate(list(files.values()), work)
    return {cid: out[p] for cid, p in files.items()}


@pytest.mark.parametrize("cid", list(CASES))
def test_workbook_with_every_switch_on_equals_the_engine(cid, recalculated_files):
    s = CASES[cid]
    wb = openpyxl.load_workbook(recalculated_files[cid], data_only=True)
    assert compare(wb, s) == []
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1
    r = model.evaluate(s)  # a chart's payback marker is #N/A where payback is never (as test_excel allows)
    ws = wb[workbook.SUMMARY]
    allowed = {f"Summary!{col}{row}" for row in range(1, ws.max_row + 1) for col in "CD" for m in workbook.MODELS
               if ws.cell(row, 6).value == f"chart:{m}_payback" and math.isnan(getattr(r, m)["payback_months"])}
    assert [e for e in _errors(wb) if e.split("=")[0] not in allowed] == []
    back = workbook.read_workbook(recalculated_files[cid])  # saved by LibreOffice, imported back
    for path in schema.FIELDS:  # LibreOffice saves 15 digits (as test_excel's round trip allows)
        a, b = back.get(path), s.get(path)
        if isinstance(b, list):
            assert len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-14) for x, y in zip(a, b, strict=True)), path
        else:
            assert a == b or math.isclose(a, b, rel_tol=1e-14), (path, a, b)
    assert workbook.read_workbook(workbook.workbook_bytes(s, sensitivity=False)) == s  # exactly, before LibreOffice


def test_a_gap_in_the_price_index_is_refused_naming_the_cell(tmp_path):
    s = CASES["index-renewal"]
    wb = openpyxl.load_workbook(__import__("io").BytesIO(workbook.workbook_bytes(s, sensitivity=False)))
    ((sheet, ref),) = list(wb.defined_names["market_price_index_3"].destinations)
    wb[sheet][ref.replace("$", "")].value = None
    path = tmp_path / "gap.xlsx"
    wb.save(path)
    with pytest.raises(workbook.WorkbookError) as err:
        workbook.read_workbook(path)
    text = str(err.value)
    assert "market.price_index" in text and "follows the empty cell" in text and "0 ≤ value ≤ 10" in text
