"""Heavy vs light vs self-build vs cloud rental (the seed's 002:1179-1188 table made live)."""

from __future__ import annotations

import math

import pytest

from finmodel import model
from finmodel.analysis import business_models

WAN = 10_000.0


@pytest.fixture(scope="module")
def table(seed):
    return business_models.business_models(model.evaluate(seed))


def test_self_build_costs_capex_plus_cash_costs(table):
    # seeds.md R3 (derived): self-build over 5 years = 180万 capex + 5 × 24万 cash cost = 300万
    assert table.loc["horizon_cost_cny", "self"] == pytest.approx(180 * WAN + 5 * 24 * WAN, rel=1e-12)
    assert table.loc["upfront_cny", "self"] == 180 * WAN


def test_cloud_rent_at_the_seeds_mean_price(table):
    # the seed's mean A100-40G-NVLink hourly price 22.7 元/card-hour (002:1488, 002:1518)
    card_hours = 8 * 8760 * 5  # 8 cards, full occupancy, 60 months
    assert table.loc["card_hours", "cloud"] == pytest.approx(card_hours, rel=1e-12)
    assert table.attrs["market_price"] == pytest.approx((26.1 + 19.3) / 2)
    assert table.loc["horizon_cost_cny", "cloud"] == pytest.approx(22.7 * card_hours, rel=1e-12)
    assert table.attrs["self_minus_cloud_cny"] == pytest.approx(300 * WAN - 22.7 * card_hours, rel=1e-12)


def test_heavy_column_is_the_engines_result(seed, table):
    r = model.evaluate(seed)
    assert table.loc["payback_months", "heavy"] == r.heavy["payback_months"]
    assert table.loc["npv_cny", "heavy"] == r.heavy["npv_cny"]
    assert table.loc["price_per_card_hour", "heavy"] == pytest.approx(22.5, rel=1e-12)
    # owning costs (capex + cash costs) per used card-hour: 300万 / 350,400 h
    assert table.loc["cost_per_card_hour", "heavy"] == pytest.approx(300 * WAN / (8 * 8760 * 5), rel=1e-12)


def test_light_column_is_the_engines_result(seed, table):
    r = model.evaluate(seed)
    # the seed's light book has no platform investment: payback is n/a (NaN) in both
    assert math.isnan(r.light["payback_months"]) and math.isnan(table.loc["payback_months", "light"])
    assert table.loc["horizon_revenue_cny", "light"] == pytest.approx(r.light["total_revenue_cny"], rel=1e-12)


def test_no_market_price_for_gpus_the_seed_does_not_list(seed):
    t = business_models.business_models(model.evaluate(seed.replace({"heavy.gpu": "H20"})))
    assert math.isnan(t.attrs["market_price"]) and math.isnan(t.loc["horizon_cost_cny", "cloud"])


def test_monthly_billing_pays_every_in_service_hour(seed):
    s = seed.replace({"heavy.billing_mode": "monthly", "heavy.occupancy": 0.5})
    t = business_models.business_models(model.evaluate(s))
    monthly_mean = (100_000 / 5840 + 112_000 / 5840) / 2  # 10.0万 and 11.2万 per 8-card server-month (002:1494)
    assert t.attrs["market_price"] == pytest.approx(monthly_mean, rel=1e-12)
    assert t.loc["horizon_cost_cny", "cloud"] == pytest.approx(monthly_mean * 8 * 8760 * 5, rel=1e-12)
