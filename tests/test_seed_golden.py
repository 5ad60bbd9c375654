"""The seed's worked examples, reproduced (shared/seeds/002_f0e83ad0f2c67279.txt).

Tolerances follow the seed's printed precision; exact values are checked against an independent
calculation written out in each test. The seed's own rounding slips are explained in docs/model.md.
"""

from __future__ import annotations

import math

import pytest

from finmodel import model, schema

from .conftest import SEED_PRINTED_FILE

WAN = 10_000.0  # CNY per 万元


@pytest.fixture(scope="module")
def result(seed):
    return model.evaluate(seed)


@pytest.fixture(scope="module")
def printed():
    return model.evaluate(schema.load(SEED_PRINTED_FILE))


def test_capex_is_180_wan(result):
    # 002:1508 "1台A100服务器价格为145万元，配套交换机约20万元，其他零配件约15万元，整套设备总价格为180万元"
    assert result.heavy["capex_cny"] == (145 + 20 + 15) * WAN


def test_depreciation_36_wan_per_year(result):
    # 002:1512 "每台设备每年非现金成本 = 180 ÷ 5 = 36 万元"; 002:1451 "月折旧成本3万元"
    assert result.heavy["annual_depreciation_cny"] == pytest.approx(36 * WAN, rel=1e-12)
    assert result.heavy["straight_line_depreciation_cny_per_month"] == pytest.approx(3 * WAN, rel=1e-12)


def test_cash_cost_24_wan_per_year(result):
    # 002:1516 "每台设备每年现金成本 = 36 ÷ 60% × 40% = 24 万元"
    assert result.heavy["annual_cash_cost_cny"] == pytest.approx(36 / 0.6 * 0.4 * WAN, rel=1e-12)
    assert round(result.heavy["annual_cash_cost_cny"] / WAN, 1) == 24.0


def test_revenue_157_68_wan_printed_157_7(result):
    # 002:1522 "180 ÷ 10000 × 24 × 365 = 157.7 万元"
    exact = 180 * 24 * 365  # CNY per year at 180 元/server-hour, 100 % occupancy
    assert result.heavy["annual_revenue_cny"] == pytest.approx(exact, rel=1e-12)
    assert result.heavy["annual_revenue_cny"] / WAN == pytest.approx(157.68, abs=1e-9)
    assert round(result.heavy["annual_revenue_cny"] / WAN, 1) == 157.7


def test_server_hour_price_is_180(result):
    # 002:1518 "将1台8卡服务器的租赁价格定为180元/小时"
    assert result.heavy["price_cny_per_server_hour"] == pytest.approx(180.0, rel=1e-12)


def test_payback_16_158_months_exact_and_16_2_printed(result):
    # 002:1524-1526: payback = 设备购置成本 / (年租赁收入 − 年现金成本) = 180 / (157.7 − 24) = 1.35 年 = 16.2 月
    independent = 180 / (157.68 - 24) * 12  # months, unrounded revenue
    assert independent == pytest.approx(16.158, abs=5e-4)
    assert result.heavy["payback_months"] == pytest.approx(independent, rel=1e-12)
    assert round(result.heavy["payback_months"], 1) == 16.2
    # the seed's own route: rounded years × 12
    assert round(round(180 / (157.7 - 24), 2) * 12, 1) == 16.2


def test_p_per_server_2_496_exact_and_2_5_printed(result, printed):
    # 002:1542 "每台设备P数 = 312 × 8 ÷ 1000 = 2.5P"
    assert result.light["p_per_server"] == pytest.approx(312 * 8 / 1000, rel=1e-15)
    assert result.light["p_per_server"] == pytest.approx(2.496, abs=1e-12)
    assert printed.light["p_per_server"] == 2.5


def test_revenue_per_p_and_spread_exact(result):
    # 002:1544 "157.7 ÷ 2.5 = 63.1 万元/P/年"; 002:1546 "63.1 − 20 = 43.1 万元/P/年" — exact inputs
    per_p = 157.68 * WAN / 2.496
    assert result.light["revenue_cny_per_p_year"] == pytest.approx(per_p, rel=1e-12)
    assert round(result.light["revenue_cny_per_p_year"] / WAN, 2) == 63.17
    assert result.light["spread_cny_per_p_year"] == pytest.approx(per_p - 20 * WAN, rel=1e-12)
    assert round(result.light["spread_cny_per_p_year"] / WAN, 2) == 43.17


def test_revenue_per_p_and_spread_at_seed_precision(printed):
    # with the seed's 2.5 P rounding the printed 63.1 and 43.1 come out (002:1544-1546)
    assert printed.light["revenue_cny_per_p_year"] == pytest.approx(157.68 * WAN / 2.5, rel=1e-12)
    assert round(printed.light["revenue_cny_per_p_year"] / WAN, 1) == 63.1
    assert round(printed.light["spread_cny_per_p_year"] / WAN, 1) == 43.1


def test_light_breakeven_occupancy(result):
    # seeds.md R2 (derived, not printed): 20 / 63.17 = 31.7 %
    assert result.light["breakeven_occupancy"] == pytest.approx(20 * WAN / (157.68 * WAN / 2.496), rel=1e-12)
    assert round(result.light["breakeven_occupancy"], 3) == 0.317


def test_seed_accounting_margin(result):
    # seeds.md R1 derived: (157.68 − 36 − 24) / 157.68 = 61.9 %
    assert result.heavy["gross_margin"] == pytest.approx((157.68 - 36 - 24) / 157.68, rel=1e-12)


def test_monthly_depreciation_line_sums_to_capex(result):
    dep = result.heavy_monthly["depreciation_cny"]
    assert dep.iloc[0] == 0.0  # month 0 is the purchase date
    assert dep.sum() == pytest.approx(180 * WAN, rel=1e-12)  # zero salvage, 60-month horizon = life


def test_schema_defaults_are_the_seed(seed):
    # a file with empty sections means the seed's reference case
    d = schema.default()
    for path in schema.FIELDS:
        assert d.get(path) == seed.get(path), path
    assert math.isclose(model.evaluate(d).heavy["payback_months"], model.evaluate(seed).heavy["payback_months"])
