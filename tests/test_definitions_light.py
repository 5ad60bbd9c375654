"""Issue 11, the GPU catalogue and the light asset: expected figures from datasheet numbers and
hand arithmetic written out here.

Datasheet figures (external, not in the seeds): H100/H800 SXM dense FP16/BF16 tensor 989 TFLOPS
(NVIDIA datasheet 1,979 "with sparsity", half dense; Hopper whitepaper 989.4), FP8 1,979; DGX H100
10.2 kW; H20 dense FP16 148 TFLOPS (widely reported).
"""

from __future__ import annotations

import math

import pytest

from finmodel import model, schema
from finmodel.model import display, tables

H800_FP16_DENSE = 989.0  # TFLOPS per card
H800_FP8_DENSE = 1979.0
SEED_REVENUE_PER_SERVER = 22.5 * 8 * 8760  # 157.68万 a year (002:1522)


# --------------------------------------------------------------------------- the GPU drives catalogue values
def test_h800_gives_7_912_p_per_server_and_its_spread(seed):
    r = model.evaluate(seed.replace({"heavy.gpu": "H800-SXM"})).light
    p = 8 * H800_FP16_DENSE / 1000
    assert p == pytest.approx(7.912, abs=1e-12)
    assert r["tflops_per_card"] == H800_FP16_DENSE
    assert r["p_per_server"] == pytest.approx(p, rel=1e-15)
    spread = SEED_REVENUE_PER_SERVER / p - 200_000  # the seed's price per card-hour, per H800 P
    assert r["spread_cny_per_p_year"] == pytest.approx(spread, rel=1e-12)
    a100 = model.evaluate(seed).light["spread_cny_per_p_year"]
    assert a100 == pytest.approx(SEED_REVENUE_PER_SERVER / 2.496 - 200_000, rel=1e-12)  # 43.17万 (002:1546)
    assert a100 > 100 * abs(spread)  # keeping the A100's 312 TFLOPS overstated the H800's spread


def test_precision_picks_the_catalogue_column_and_light_gpu_its_row(seed):
    fp8 = model.evaluate(seed.replace({"heavy.gpu": "H800-SXM", "light.precision": "FP8"})).light
    assert fp8["p_per_server"] == pytest.approx(8 * H800_FP8_DENSE / 1000, rel=1e-15)
    h20 = model.evaluate(seed.replace({"light.gpu": "H20"})).light  # heavy stays A100
    assert h20["p_per_server"] == pytest.approx(8 * 148 / 1000, rel=1e-15)


def test_a_written_tflops_overrides_the_catalogue_with_a_note(seed):
    from finmodel.schema import inert

    s = seed.replace({"heavy.gpu": "H800-SXM", "light.tflops_per_card": 312.0})
    assert model.evaluate(s).light["p_per_server"] == pytest.approx(2.496, rel=1e-15)
    assert inert.notes(s) == ["light.tflops_per_card = 312 overrides the catalogue's 989 FP16 TFLOPS for 'H800-SXM'"]


def test_a_precision_the_gpu_lacks_is_an_error_naming_both_fields(seed):
    with pytest.raises(schema.ScenarioError) as err:
        seed.replace({"light.precision": "FP8"})  # A100: no FP8 tensor cores
    line = str(err.value)
    assert "light.precision = 'FP8'" in line and "heavy.gpu" in line and "light.tflops_per_card" in line
    assert "FP16" in line  # what it could be instead
    ok = seed.replace({"light.precision": "FP8", "light.tflops_per_card": 400.0})  # written: allowed
    assert model.evaluate(ok).light["tflops_per_card"] == 400.0


def test_the_gpu_sets_the_server_power_of_metered_energy(seed):
    s = seed.replace({"heavy.gpu": "H800-SXM", "heavy.cash_cost_method": "bottom_up"})
    m = model.evaluate(s).heavy_monthly
    kwh = 10.2 * 1.25 * 8760 / 12  # DGX H100 10.2 kW × PUE 1.25 × hours, full occupancy
    assert m["energy_cny"].iloc[1] == pytest.approx(kwh * 0.65, rel=1e-12)
    written = model.evaluate(s.replace({"heavy.power_kw_per_server": 6.5})).heavy_monthly
    assert written["energy_cny"].iloc[1] == pytest.approx(6.5 * 1.25 * 8760 / 12 * 0.65, rel=1e-12)


def test_catalogue_table_is_declared_once_with_sources():
    t = tables.GPU_TFLOPS
    assert t.rows == schema.field_spec("heavy.gpu").choices == schema.field_spec("light.gpu").choices
    assert t.cols == schema.field_spec("light.precision").choices
    assert t.value("H800-SXM", "FP16") == H800_FP16_DENSE and math.isnan(t.value("A100-40G-NVLink", "FP8"))
    assert all(t.sources) and len(t.sources) == len(t.rows)
    assert tables.GPU_SERVER_KW.value("H800-SXM") == 10.2


# --------------------------------------------------------------------------- break-even beyond year 1
FALLING = {"light.price_change_per_year": -0.2, "light.platform_fixed_cost_cny_per_month": 100_000.0,
           "light.capacity_p": 10.0, "light.buy_price_change_per_year": 0.05}


def test_breakeven_per_year_with_a_falling_resale_price(seed):
    r = model.evaluate(seed.replace(FALLING))
    sell = SEED_REVENUE_PER_SERVER / 2.496  # revenue per P in year 1
    want = [(10 * 200_000 * 1.05 ** y + 12 * 100_000) / (10 * sell * 0.8 ** y) for y in range(5)]
    rows = r.light_monthly["yearly_breakeven_occupancy"]
    for y in range(5):  # every month of year y + 1 shows that year's value
        assert list(rows.iloc[1 + 12 * y: 13 + 12 * y]) == pytest.approx([want[y]] * 12, rel=1e-12)
    assert math.isnan(rows.iloc[0])  # month 0: no operations
    assert r.light["breakeven_occupancy"] == pytest.approx(want[0], rel=1e-12)  # the headline: year 1
    assert r.light["worst_breakeven_occupancy"] == pytest.approx(max(want), rel=1e-12)
    assert r.light["worst_breakeven_year"] == 5
    assert want[4] > 1  # year 5 cannot break even at any occupancy


def test_breakeven_above_100_percent_reads_unattainable_and_json_keeps_the_number(seed):
    r = model.evaluate(seed.replace(FALLING))
    v = r.light["worst_breakeven_occupancy"]
    it = model.item("light", "worst_breakeven_occupancy")
    assert display.show_item(v, it, style=display.EVALUATE) == "unattainable"
    assert display.show_item(v, it, style=display.dashboard("zh")) == "无法达到"
    year1 = (10 * 200_000 + 12 * 100_000) / (10 * SEED_REVENUE_PER_SERVER / 2.496)  # 0.5065
    assert display.show_item(r.light["breakeven_occupancy"], it, style=display.EVALUATE) == "50.7 %"
    assert r.light["breakeven_occupancy"] == pytest.approx(year1, rel=1e-12)
    assert r.kpis()["light.worst_breakeven_occupancy"] == pytest.approx(v)


def test_buy_term_drop_stops_capacity_and_revenue(seed):
    drop = model.evaluate(seed.replace({"light.buy_term_months": 24, "light.after_buy_term": "drop"})).light_monthly
    assert (drop["capacity_cost_cny"].iloc[25:] == 0).all() and (drop["revenue_cny"].iloc[25:] == 0).all()
    assert drop["capacity_cost_cny"].iloc[24] == pytest.approx(2.5 * 200_000 / 12, rel=1e-12)
    rebuy = model.evaluate(seed.replace({"light.buy_term_months": 24, "light.buy_price_change_per_year": 0.1})).light
    stepped = model.evaluate(seed.replace({"light.buy_price_change_per_year": 0.1})).light
    assert rebuy["npv_cny"] == stepped["npv_cny"]  # re-bought at the stepped price: the flows go on
    total = sum(2.5 * 200_000 * 1.1 ** y for y in range(5))  # the buy price steps each year
    assert stepped["total_capacity_cost_cny"] == pytest.approx(total, rel=1e-12)


def test_platform_payback_is_na_without_a_platform_investment(seed):
    r = model.evaluate(seed)
    it = model.item("light", "payback_months")
    assert math.isnan(r.light["payback_months"]) and r.light["no_platform_investment"] == 1
    assert display.show_item(r.light["payback_months"], it, style=display.EVALUATE, values=r.light) == "n/a"
    built = model.evaluate(seed.replace({"light.platform_investment_cny": 1e9})).light  # never recovered
    assert display.show_item(built["payback_months"], it, style=display.EVALUATE, values=built) == "never"
