"""Demand sizing: the seed's worked examples (002:1190-1290, seeds.md R4-R8), the MFU cross-checks
(R9, R13), the fleet → heavy-asset bridge, and bad workload rows.

Reference values are the seed's printed figures (file:line) at their printed precision, or an
independent calculation written out here. Where a printed intermediate does not multiply out, the
test pins the exact value and says so (docs/demand.md explains each case)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel import demand, model, schema

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ROOT / "assumptions" / "demand"
SEED_SCENARIO = ROOT / "assumptions" / "seed_fs2024.toml"
DAY_S = 24 * 60 * 60  # the seed's 24×60×60 (002:1253)
A100_FP16 = 312e12  # 312 TFLOPs (002:1205)
A100_INT8 = 624e12  # 624 TOPs (002:1255)


def printed(x: float, digits: int) -> float:
    """``x`` rounded to the seed's printed significant digits (1.2×10^17 has 2)."""
    return float(f"{x:.{digits - 1}e}")


@pytest.fixture(scope="module")
def gpt() -> demand.Demand:
    return demand.size(demand.load(PRESETS / "seed_gpt.toml"))


@pytest.fixture(scope="module")
def china() -> demand.Demand:
    return demand.size(demand.load(PRESETS / "seed_china_market.toml"))


@pytest.fixture(scope="module")
def variants() -> demand.Demand:
    return demand.size(demand.load(PRESETS / "seed_variants.toml"))


@pytest.fixture(scope="module")
def seed_scenario() -> schema.Scenario:
    return schema.load(SEED_SCENARIO)


def row(d: demand.Demand, name: str) -> int:
    return d.names.index(name)


# --------------------------------------------------------------------------- golden: R4-R8
def test_r4_gpt3_training(gpt):
    i = row(gpt, "GPT-3 training")
    assert printed(gpt.compute_rate_per_s[i], 2) == 1.2e17  # "1.2×10^17 FLOPs" (002:1203), a rate: FLOP/s
    assert gpt.gpus[i] == pytest.approx(865.6, abs=0.05)  # 865.6 张 (002:1208)
    exact = 6 * 1750e8 * 3000e8 / (30 * DAY_S) / (A100_FP16 * 0.45)
    assert gpt.gpus[i] == pytest.approx(exact, rel=1e-12)
    # the printed 1.2e17 does not multiply out to 865.6: the seed used the unrounded 1.2153e17
    assert 1.2e17 / (A100_FP16 * 0.45) == pytest.approx(854.7, abs=0.05)


def test_r5_gpt4_training(gpt):
    i = row(gpt, "GPT-4 training")
    assert gpt.gpus[i] == pytest.approx(22_787.8, abs=0.05)  # 22,787.8张 (002:1213)
    assert gpt.compute_flop_per_run[i] == 2.15e25  # 002:1212


def test_r6_china_training(china):
    i = row(china, "China training (100 models)")
    assert printed(china.compute_rate_per_s[i], 2) == 3.7e16  # 002:1221
    assert china.gpus_per_model[i] == pytest.approx(263.8, abs=0.05)  # 263.8 张 (002:1225)
    assert china.gpus[i] == pytest.approx(26_380, abs=0.5)  # 263.8 × 100 = 26,380 张 (002:1231)
    assert printed(china.compute_rate_per_s[i] * china.models[i], 2) == 3.7e18  # 002:1229
    exact = 6 * 800e8 * 2000e8 / (30 * DAY_S) / (A100_FP16 * 0.45) * 100
    assert china.gpus[i] == pytest.approx(exact, rel=1e-12)  # 26,379.66


def test_r7_chatgpt_inference_as_computed(gpt):
    i = row(gpt, "ChatGPT inference")
    assert gpt.tokens_per_day[i] == pytest.approx(7.0e11, rel=1e-12)  # 0.7×10^8×10×1000 (002:1249)
    assert printed(gpt.compute_rate_per_s[i], 2) == 2.8e18  # "2.8×10^18 TOPs" (002:1253): OP/s
    assert printed(gpt.gpus[i], 2) == 10_000  # "10,000 张" (002:1259), printed to 2 figures
    exact = 2 * 1750e8 * 7.0e11 / DAY_S / (A100_INT8 * 0.45)  # the seed's formula uses 1750亿
    assert gpt.gpus[i] == pytest.approx(exact, rel=1e-12)
    assert gpt.gpus[i] == pytest.approx(10_098.5, abs=0.05)


def test_r7_chatgpt_inference_2000yi_as_stated(variants):
    i = row(variants, "ChatGPT inference, 2000亿 as stated")
    exact = 2 * 2000e8 * 7.0e11 / DAY_S / (A100_INT8 * 0.45)  # 参数数量为2000亿 (002:1251)
    assert variants.gpus[i] == pytest.approx(exact, rel=1e-12)
    assert variants.gpus[i] == pytest.approx(11_541.1, abs=0.05)
    j = row(variants, "ChatGPT inference, 2000亿, 24亿/31 days")
    assert variants.gpus[j] == pytest.approx(2 * 2000e8 * (24e8 / 31 * 10 * 1000) / DAY_S / (A100_INT8 * 0.45),
                                             rel=1e-9)


def test_r8_china_inference(china):
    i = row(china, "China inference (50 models)")
    assert china.tokens_per_day[i] == pytest.approx(1.0e10, rel=1e-12)  # 002:1265
    assert printed(china.compute_rate_per_s[i], 2) == 1.9e16  # 002:1269
    assert china.gpus_per_model[i] == pytest.approx(65.9, abs=0.05)  # 65.9 张 (002:1273)
    assert china.gpus[i] == pytest.approx(3_297.5, abs=0.05)  # 3,297.5 张 (002:1290)
    assert printed(china.compute_rate_per_s[i] * 50, 2) == 9.3e17  # 002:1288
    # printed intermediates do not multiply out: 1.9e16 × 50 = 9.5e17 and 65.9 × 50 = 3,295.0;
    # the seed carried unrounded values (1.85185e16, 65.949)
    assert 65.9 * 50 == pytest.approx(3_295.0) and china.gpus[i] - 3_295.0 > 2
    assert round(china.gpus[i], -2) == 3_300  # headline "约为3,300张" (002:1235)


def test_p_needed_is_installed_peak(china):
    # P at the precision used: 1 P = 1,000 TFLOPS (FP16) or 1,000 TOPS (INT8)
    i, j = row(china, "China training (100 models)"), row(china, "China inference (50 models)")
    assert china.p_needed[i] == pytest.approx(china.gpus[i] * 312 / 1000)
    assert china.p_needed[j] == pytest.approx(china.gpus[j] * 624 / 1000)


# --------------------------------------------------------------------------- cross-checks: R9, R13
def test_r13_gpt3_implied_mfu():
    # 1024张A100 40GB 34天 (002:1060) on 6 × 1750亿 × 3000亿 FLOP (002:1200)
    mfu = demand.implied_compute_efficiency(6 * 1750e8 * 3000e8, 1024, 34, 312)
    assert mfu == pytest.approx(6 * 1750e8 * 3000e8 / (1024 * 34 * DAY_S * A100_FP16))
    assert round(float(mfu), 3) == 0.336  # seeds.md R13 (derived): 33.6 %


def test_r9_pf_days_imply_a_third_of_peak():
    # 3640 PF-days (003:68) on "35000块 A100/1天" (003:70): 104 TFLOPS per card, 33.3 % of 312
    mfu = demand.implied_compute_efficiency(3640e15 * DAY_S, 35_000, 1, 312)
    assert float(mfu) == pytest.approx(3640e15 / 35_000 / A100_FP16)
    assert round(float(mfu), 3) == 0.333
    # 3640 PF-days is 0.16 % below 6 × 1750亿 × 3000亿 = 3.15e23 FLOP (seeds.md R9)
    assert round(float(3640e15 * DAY_S / demand.training_compute_flop(1750e8, 3000e8)), 4) == 0.9984


def test_r5_gpt4_reported_fleet_implies_the_stated_mfu():
    # 2.5万张A100 90~100天 (002:1065) against 2.15e25 FLOP: 35.4 %, 33.6 %, 31.9 % (seeds.md R5, derived)
    mfu = demand.implied_compute_efficiency(2.15e25, 25_000, np.array([90, 95, 100]), 312)
    assert np.round(mfu, 3).tolist() == [0.354, 0.336, 0.319]
    assert np.all((mfu >= 0.315) & (mfu <= 0.36))  # "利用率约为32-36%" (002:1212)


def test_gpus_and_implied_mfu_are_inverse():
    eff = np.array([0.2, 0.45, 0.9])
    rate = demand.training_rate_flop_per_s(3.15e23, 30)
    gpus = demand.gpus_needed(rate, 312, eff)
    np.testing.assert_allclose(demand.implied_compute_efficiency(3.15e23, gpus, 30, 312), eff, rtol=1e-12)


# --------------------------------------------------------------------------- vectorised functions
def test_functions_broadcast_scenario_axes_first():
    params = np.array([[7e9], [7e10]])  # (2, 1)
    tokens = np.array([1e11, 2e11, 3e11])  # (3,)
    rate = demand.training_rate_flop_per_s(demand.training_compute_flop(params, tokens), 30)
    assert rate.shape == (2, 3)
    g = demand.gpus_needed(rate, np.array([312, 989, 148])[None, :], 0.4)
    assert g.shape == (2, 3)
    assert demand.servers_needed(np.full((2, 3), 8760.0 * 80), 0.5, 8).tolist() == [[5] * 3] * 2


def test_servers_needed_definition():
    year = 8760.0
    # 100 cards busy all year, 30 % share, 8 cards a server: ceil(30 / 8) = 4
    assert int(demand.servers_needed(100 * year, 0.3, 8)) == math.ceil(100 * 0.3 / 8)
    # occupancy 0.6: the lessor rents out 60 % of its card-hours, so needs 30 / 0.6 = 50 cards
    assert int(demand.servers_needed(100 * year, 0.3, 8, 0.6)) == math.ceil(100 * 0.3 / (8 * 0.6))
    assert int(demand.servers_needed(100 * year, 0.0, 8)) == 0
    assert int(demand.servers_needed(64 * year, 1.0, 8)) == 8  # exact multiple: no extra server
    assert int(demand.servers_needed(64 * year * (1 + 1e-15), 1.0, 8)) == 8  # float noise ignored


def test_training_runs_per_year_and_gpu_hours():
    w = dict(name="t", kind="training", parameters=7e10, tokens=2e12, duration_days=20.0, precision="FP16",
             gpu="H800-SXM", compute_efficiency=0.4, models=3)
    d = demand.size(demand.validate_rows([w, {**w, "name": "t4", "runs_per_year": 4.0}]))
    per_model = 6 * 7e10 * 2e12 / (20 * DAY_S) / (989e12 * 0.4)
    np.testing.assert_allclose(d.gpus, 3 * per_model)
    np.testing.assert_allclose(d.gpu_hours_per_run, 3 * per_model * 20 * 24)
    # back to back (unset) = busy all year; 4 runs of 20 days = 80 of 365 days
    np.testing.assert_allclose(d.gpu_hours_per_year, [3 * per_model * 8760, 3 * per_model * 20 * 24 * 4])
    np.testing.assert_allclose(d.busy_fraction, [1.0, 80 / 365])


def test_inference_is_served_all_year(china):
    i = row(china, "China inference (50 models)")
    assert china.gpu_hours_per_year[i] == pytest.approx(china.gpus[i] * 8760)
    assert math.isnan(china.gpu_hours_per_run[i]) and math.isnan(china.compute_flop_per_run[i])


def test_market_value(china):
    # card-hours × rental price; the seed's 180元/台/小时 ÷ 8 = 22.5 元/card-hour (002:1518)
    df = china.frame(22.5)
    gpus = (6 * 800e8 * 2000e8 / (30 * DAY_S) / (A100_FP16 * 0.45) * 100
            + 2 * 800e8 * 1e10 / DAY_S / (A100_INT8 * 0.45) * 50)
    assert df["market_value_cny_per_year"].sum() == pytest.approx(gpus * 8760 * 22.5)
    assert df["market_value_cny_per_year"].sum() / 1e8 == pytest.approx(58.49, abs=0.005)  # 亿元/year


def slow_gpus(w: demand.Workload) -> float:
    """The seed's formulas, one workload at a time, in plain Python (the obvious twin)."""
    from finmodel.schema import catalog

    g = catalog.GPUS[w.gpu]
    peak = (g.int8_tops if w.precision == "INT8" else g.fp16_tflops) * 1e12
    if w.kind == "training":
        flop = w.compute_flop if w.compute_flop is not None else 6 * w.parameters * w.tokens
        rate = flop / (w.duration_days * 24 * 60 * 60)
    else:
        rate = 2 * w.parameters * (w.daily_visits * w.questions_per_visit * w.tokens_per_question) / 86_400
    return rate / (peak * w.compute_efficiency) * w.models


_GPU = st.sampled_from(["A100-40G-NVLink", "H800-SXM", "H20", "L20", "RTX-4090"])
_POS = st.floats(1e-3, 1e3)
_SHARE = st.floats(0, 1, allow_subnormal=False)


@st.composite
def workloads(draw):
    if draw(st.booleans()):
        base = dict(kind="training", duration_days=draw(st.floats(0.5, 365)))
        if draw(st.booleans()):
            base["compute_flop"] = draw(_POS) * 1e22
        else:
            base |= dict(parameters=draw(_POS) * 1e9, tokens=draw(_POS) * 1e10)
    else:
        base = dict(kind="inference", parameters=draw(_POS) * 1e9, daily_visits=draw(_POS) * 1e5,
                    questions_per_visit=draw(st.floats(1, 20)), tokens_per_question=draw(st.floats(10, 5000)))
    return base | dict(name=f"w{draw(st.integers(0, 999))}", models=draw(st.integers(1, 200)),
                       precision=draw(st.sampled_from(["FP16", "INT8"])), gpu=draw(_GPU),
                       compute_efficiency=draw(st.floats(0.05, 1.0)))


@settings(max_examples=60, deadline=None)
@given(st.lists(workloads(), min_size=1, max_size=6))
def test_vectorised_matches_slow_twin(rows):
    ws = demand.validate_rows(rows)
    d = demand.size(ws)
    np.testing.assert_allclose(d.gpus, [slow_gpus(w) for w in ws], rtol=1e-12)
    assert d.gpus.shape == (len(ws),)


@settings(max_examples=40, deadline=None)
@given(workloads(), st.floats(1.01, 10))
def test_more_work_or_less_efficiency_never_needs_fewer_gpus(w, factor):
    base = demand.size(demand.validate_rows([w])).gpus[0]
    key = "compute_flop" if "compute_flop" in w else "parameters"
    bigger = demand.size(demand.validate_rows([{**w, key: w[key] * factor}])).gpus[0]
    slower = demand.size(demand.validate_rows([{**w, "compute_efficiency": w["compute_efficiency"] / factor}])).gpus[0]
    assert bigger >= base and slower >= base


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1e9, allow_subnormal=False), _SHARE, _SHARE, st.sampled_from([4, 8]), st.floats(0.05, 1))
def test_servers_monotone_in_share_and_cover_the_share(hours, s1, s2, cards, occ):
    lo, hi = sorted((s1, s2))
    n_lo, n_hi = (int(demand.servers_needed(hours, s, cards, occ)) for s in (lo, hi))
    assert n_lo <= n_hi
    # the fleet's rented card-hours cover the share (up to float rounding)
    assert n_hi * cards * 8760 * occ >= hours * hi * (1 - 1e-9)


# --------------------------------------------------------------------------- fleet → heavy asset
def test_demand_to_servers_to_payback_equals_entering_it_by_hand(china, seed_scenario):
    share = 0.1
    fl = demand.fleet(china, share, gpu="A100-40G-NVLink", cards_per_server=8, occupancy=1.0)
    # by hand: all China A100 demand (26,379.66 + 3,297.46 cards, all year) × 10 % ÷ 8 cards
    cards = (6 * 800e8 * 2000e8 / (30 * DAY_S) / (A100_FP16 * 0.45) * 100
             + 2 * 800e8 * 1e10 / DAY_S / (A100_INT8 * 0.45) * 50)
    n_hand = math.ceil(cards * share / 8)
    assert fl.servers == n_hand == 371
    via_demand = model.evaluate(demand.fleet_scenario(seed_scenario, fl.servers, fl.gpu))
    by_hand = model.evaluate(seed_scenario.replace({"heavy.servers": n_hand, "heavy.gpu": "A100-40G-NVLink"}))
    assert via_demand.heavy["payback_months"] == by_hand.heavy["payback_months"]
    assert via_demand.heavy["npv_cny"] == by_hand.heavy["npv_cny"]
    assert round(by_hand.heavy["payback_months"], 1) == 16.2  # 002:1526: payback does not depend on scale
    assert via_demand.heavy["capex_cny"] == pytest.approx(n_hand * 1_800_000)  # 180万 a server (002:1508)


def test_fleet_revenue_covers_the_share_of_market_value(china, seed_scenario):
    price, share, occ = 22.5, 0.05, 0.7
    fl = demand.fleet(china, share, cards_per_server=8, occupancy=occ)
    s = demand.fleet_scenario(seed_scenario, fl.servers, fl.gpu, price_cny_per_card_hour=price, occupancy=occ)
    assert (s.heavy.servers, s.heavy.price_cny_per_card_hour, s.heavy.occupancy) == (fl.servers, price, occ)
    revenue = model.evaluate(s).heavy["annual_revenue_cny"]
    target = share * china.frame(price)["market_value_cny_per_year"].sum()
    assert target <= revenue < target + 8 * 8760 * occ * price  # within one server of the share


def test_fleet_scenario_out_of_bounds_is_a_scenario_error(seed_scenario):
    with pytest.raises(schema.ScenarioError, match=r"heavy\.servers = 200000"):
        demand.fleet_scenario(seed_scenario, 200_000, "A100-40G-NVLink")


def test_fleet_argument_errors(china):
    with pytest.raises(schema.ScenarioError, match="gpu = 'H20': no workload runs on it"):
        demand.fleet(china, 0.1, gpu="H20")
    with pytest.raises(schema.ScenarioError, match=r"share = 1\.5: out of range"):
        demand.fleet(china, 1.5)
    with pytest.raises(schema.ScenarioError, match=r"occupancy = 0: out of range"):
        demand.fleet(china, 0.5, occupancy=0)


# --------------------------------------------------------------------------- presets and files
@pytest.mark.parametrize("path", sorted(PRESETS.glob("*.toml")), ids=lambda p: p.name)
def test_every_preset_number_has_a_seed_source(path):
    ws = demand.load(path)
    for i, w in enumerate(ws.workloads, start=1):
        for col, spec in demand.WORKLOAD_FIELDS.items():
            default_models = col == "models" and w.models == 1
            if spec.kind in ("float", "int") and getattr(w, col) is not None and not default_models:
                src = ws.sources.get(f"{i}.{col}", "")
                assert re.search(r"\b00\d:\d{3,4}\b", src), (w.name, col, src)


@pytest.mark.parametrize("path", sorted(PRESETS.glob("*.toml")), ids=lambda p: p.name)
def test_toml_round_trip(path):
    ws = demand.load(path)
    again = demand.parse_toml(demand.to_toml(ws))
    assert again.workloads == ws.workloads and again.sources == ws.sources and again.name == ws.name


def test_table_round_trip_through_lax_validation():
    ws = demand.load(PRESETS / "seed_gpt.toml")
    df = ws.frame()
    assert list(df.index) == [1, 2, 3] and list(df.columns) == list(demand.COLUMNS)
    assert demand.validate_rows(demand.rows_from_frame(df), strict=False) == ws.workloads


# --------------------------------------------------------------------------- bad rows
GOOD = dict(name="ok", kind="training", parameters=7e9, tokens=1e11, duration_days=10.0, precision="FP16",
            gpu="A100-40G-NVLink", compute_efficiency=0.4)


def bad(**change) -> list[dict]:
    return [GOOD, {**GOOD, "name": "bad one", **change}]


@pytest.mark.parametrize(("change", "column", "shown", "allowed"), [
    ({"duration_days": 0.0}, "duration_days", "= 0.0", "0 < value ≤ 3,650 [days/run]"),
    ({"tokens": -1e9}, "tokens", "= -1000000000.0", "0 < value ≤ 1e16 [tokens/run]"),
    ({"gpu": "B200"}, "gpu", "= 'B200'", "a catalogue key: A100-40G-NVLink"),
    ({"compute_efficiency": 45.0}, "compute_efficiency", "= 45.0", "0 < value ≤ 1 [fraction of peak]"),
    ({"models": 0}, "models", "= 0", "1 ≤ value ≤ 1e6 [models]"),
    ({"precision": "FP4"}, "precision", "= 'FP4'", "one of 'FP16', 'INT8'"),
    ({"parameters": float("nan")}, "parameters", "= nan", "must be a finite number"),
    ({"parameters": "7e9"}, "parameters", "= '7e9'", "wrong type (str)"),
    ({"tokenz": 1.0}, "tokenz", "= 1.0", "unknown column (a typo?)"),
])
def test_bad_row_names_row_column_value_and_range(change, column, shown, allowed):
    with pytest.raises(demand.WorkloadError) as exc:
        demand.validate_rows(bad(**change), origin="w.toml")
    (p,) = exc.value.problems
    assert (p.row, p.workload, p.column) == (2, "bad one", column)
    line = exc.value.lines()[0]
    assert line.startswith(f"w.toml: row 2 (bad one).{column} {shown}: ")
    assert allowed in line


@pytest.mark.parametrize(("row_", "column", "rule", "message"), [
    ({"kind": "inference"}, "tokens", "not_for_kind", "tokens = 100000000000.0: not used by an inference workload"),
    ({"compute_flop": 1e22}, "compute_flop", "flop_or_params", "either parameters and tokens, or compute_flop"),
    ({"tokens": None}, "tokens", "needs_params_tokens", "tokens: a training workload needs parameters and tokens"),
    ({"duration_days": None}, "duration_days", "needs_duration", "needs its duration in days"),
    ({"runs_per_year": 40.0}, "runs_per_year", "runs_overlap", "the runs would overlap"),
    ({"daily_visits": 1e6}, "daily_visits", "not_for_kind", "not used by a training workload"),
    ({"gpu": "V100-32G-NVLink", "precision": "INT8"}, "precision", "no_peak", "has no INT8 peak"),
])
def test_rules_between_columns(row_, column, rule, message):
    data = {k: v for k, v in {**GOOD, **row_}.items() if v is not None}
    with pytest.raises(demand.WorkloadError) as exc:
        demand.validate_rows([data])
    p = exc.value.problems[0]
    assert (p.row, p.column, p.code, p.rule) == (1, column, "rule", rule)
    assert str(p).startswith(f"row 1 (ok).{column}") and message in str(p)


def test_missing_required_column_and_many_problems_at_once():
    rows = [{k: v for k, v in GOOD.items() if k != "gpu"}, {**GOOD, "duration_days": 0.0, "tokens": -5.0}]
    with pytest.raises(demand.WorkloadError) as exc:
        demand.validate_rows(rows)
    got = [(p.row, p.column, p.code) for p in exc.value.problems]
    assert got == [(1, "gpu", "missing"), (2, "tokens", "out_of_range"), (2, "duration_days", "out_of_range")]


def test_lax_table_rows_treat_empty_cells_as_unset_and_convert_text():
    rows = [{**GOOD, "compute_flop": float("nan"), "source": "", "parameters": "7e9", "models": 2.0}]
    (w,) = demand.validate_rows(rows, strict=False)
    assert (w.parameters, w.compute_flop, w.models) == (7e9, None, 2)


def test_bad_file_names_the_row(tmp_path):
    f = tmp_path / "w.toml"
    text = (PRESETS / "seed_gpt.toml").read_text(encoding="utf-8")
    assert "duration_days = { value = 100.0," in text
    f.write_text(text.replace("duration_days = { value = 100.0,", "duration_days = { value = 0,"), encoding="utf-8")
    expected = r"w\.toml: row 2 \(GPT-4 training\)\.duration_days = 0: out of range"
    with pytest.raises(demand.WorkloadError, match=expected):
        demand.load(f)


@pytest.mark.parametrize(("text", "message"), [
    ("name = 'x'\n", "no [[workload]] tables"),
    ("nam = 'x'\n[[workload]]\nname='a'\n", "nam = 'x': unknown key (a typo?)"),
    ("workload = 3\n", "write each workload as a [[workload]] table"),
    ("[[workload\n", "broken TOML"),
    ("[[workload]]\nname = 'a'\ntokens = { value = 1.0, sorce = 'x' }\n", "row 1 (a).tokens"),
])
def test_bad_files(tmp_path, text, message):
    f = tmp_path / "w.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(demand.WorkloadError) as exc:
        demand.load(f)
    assert message in str(exc.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(demand.WorkloadError, match="cannot read"):
        demand.load(tmp_path / "missing.toml")
    f = tmp_path / "bin.toml"
    f.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(demand.WorkloadError, match="not UTF-8"):
        demand.load(f)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (schema.MAX_FILE_BYTES + 1))
    with pytest.raises(demand.WorkloadError, match="too large"):
        demand.load(big)


def test_workloads_are_frozen():
    (w,) = demand.validate_rows([GOOD])
    with pytest.raises(Exception, match="frozen"):
        w.models = 3  # type: ignore[misc]


def test_docs_list_every_column_and_the_seed_results():
    text = (ROOT / "docs" / "demand.md").read_text(encoding="utf-8")
    for col in demand.COLUMNS:
        assert f"`{col}`" in text, col
    for figure in ("865.6", "22,787.8", "26,380", "10,000", "3,297.5", "11,541.1"):
        assert figure in text, figure
    assert "compute efficiency (MFU)" in text and "occupancy" in text


def test_workload_columns_are_declared_on_the_shared_toolkit():
    spec = demand.WORKLOAD_FIELDS["duration_days"]
    assert isinstance(spec, schema.FieldSpec)
    assert spec.range_text() == "a number, 0 < value ≤ 3,650 [days/run] or empty"
    assert spec.range_text("zh") == "数值，0 < 值 ≤ 3,650 [days/run]，可留空"
    assert demand.WORKLOAD_FIELDS["name"].range_text("zh") == "1-80个字符的文本"
    assert demand.WORKLOAD_FIELDS["kind"].choice_label("training", "zh") == "训练"


def test_fleet_cards_per_server_reads_the_scenario_bounds(china):
    with pytest.raises(schema.ScenarioError, match=r"cards_per_server = 17: allowed: an integer, 1 ≤ value ≤ 16"):
        demand.fleet(china, 0.1, cards_per_server=17)


def test_every_workload_column_and_fleet_option_has_chinese_help():
    """The 中文 editor shows ``help_zh``: each column and fleet option has one, in Chinese, citing
    the same seed lines as the English help."""
    specs = [*demand.WORKLOAD_FIELDS.values(), *demand.FLEET_FIELDS.values()]
    assert len(specs) == len(demand.COLUMNS) + 2
    for spec in specs:
        assert spec.help and spec.help_zh, spec.path
        assert re.search(r"[\u4e00-\u9fff]", spec.help_zh), spec.path
        for ref in re.findall(r"002:\d+", spec.help):
            assert ref.split(":")[1] in spec.help_zh, (spec.path, ref)


def test_a_tiny_positive_demand_still_needs_one_server():
    """Found by hypothesis: 1.3e-160 card-hours × a 1.3e-160 share underflowed to 0 servers."""
    assert int(demand.servers_needed(1.299517719954692e-160, 1.299517719954692e-160, 4, 1.0)) == 1
    assert int(demand.servers_needed(0.0, 0.5, 8)) == 0
