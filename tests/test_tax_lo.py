"""Issue 12, the statute tax, subsidies, escalation and spares in the live workbook: with every switch
of ``[tax]``, ``[subsidy]`` and ``[escalation]`` on, the workbook recalculated by LibreOffice equals
the engine (every named value, Summary result and monthly line, as tests/test_excel.py compares them),
its balance check is 0 and its Checks sheet's ``checks_ok`` is 1."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from finmodel import workbook
from finmodel.schema import Scenario

from .conftest_lo import recalculated_scenarios
from .test_excel import _named, compare, failing_checks
from .test_tax_statute import SEED, THIN, _profit_then_loss_in_a_year, deal_tax_scenario

pytestmark = pytest.mark.lo

EVERY_SWITCH = {"tax.basis": "tax_year", "tax.loss_carry_forward": "statute", "tax.loss_years_standard": 2,
                "tax.one_off_deduction": "on", "tax.depreciation_method": "sum_of_years",
                "tax.depreciation_life_years": 3, "tax.settlement_months_after_year_end": 5,
                "subsidy.capex_grant_share": 0.1, "subsidy.capex_grant_month": 9,
                "subsidy.capex_grant_tax": "non_taxable", "subsidy.voucher_share_of_revenue": 0.3,
                "subsidy.voucher_months": 12, "escalation.electricity_per_year": 0.05,
                "escalation.staff_per_year": 0.04, "escalation.colocation_per_year": 0.03,
                "escalation.om_fixed_per_year": 0.02, "escalation.spare_servers": 2,
                "fx.server_price_usd": 200_000.0, "fx.cny_per_usd": 7.2,
                "heavy.cash_cost_method": "bottom_up", "heavy.staff_cny_per_month": 30_000.0,
                "heavy.colocation_cny_per_server_month": 5_000.0, "heavy.om_fixed_cny_per_server_month": 800.0}


def _cases() -> dict[str, Scenario]:
    cases = {
        "every-switch": SEED.replace({**EVERY_SWITCH, "general.tax_rate": 0.25, "general.start_date": "2025-07",
                                      "heavy.loan_share_of_capex": 0.5, "heavy.price_change_per_year": -0.5}),
        "expiry-hnte-120": THIN.replace({"tax.basis": "tax_year", "tax.loss_carry_forward": "statute",
                                         "tax.enterprise": "hnte_tsme", "general.fiscal_year_start_month": 4}),
        "expiry-monthly": THIN.replace({"tax.loss_carry_forward": "statute", "tax.depreciation_method":
                                        "double_declining"}),
        "refund-in-may": _profit_then_loss_in_a_year().replace({"tax.basis": "tax_year",
                                                                 "heavy.terminal_value_method": "resale_fraction"}),
    }
    for i in range(4):
        cases[f"random-{i}"] = deal_tax_scenario(np.random.default_rng(4200 + i), horizon=[37, 60, 97, 61][i])
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    return recalculated_scenarios(CASES, tmp_path_factory.mktemp("lo-tax"))


@pytest.mark.parametrize("cid", list(CASES))
def test_workbook_with_the_statute_tax_recalculates_to_the_engine(cid, recalculated):
    wb = recalculated[cid]
    assert compare(wb, CASES[cid]) == []
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1
