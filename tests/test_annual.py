"""Issue 13, the calendar and the annual view: ``general.start_date`` dates every timeline column,
``general.fiscal_year_start_month`` groups months into fiscal years, the annual roll-up sums to the
monthly figures, and ``finmodel evaluate --annual`` / ``--monthly FILE.csv`` print and write them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from finmodel import model, schema
from finmodel.cli import app
from finmodel.model import reports
from finmodel.schema import Month

from .conftest import PRESETS, SEED_FILE, random_scenario


def _seed(**changes: object) -> schema.Scenario:
    return schema.load(SEED_FILE).replace({f"general.{k}": v for k, v in changes.items()})


# ---- the purchase month ------------------------------------------------------------------------
def test_start_date_reads_and_writes_as_yyyy_mm(tmp_path):
    s = _seed(start_date="2025-04")
    assert s.general.start_date == Month.of(2025, 4) and int(s.general.start_date) == 12 * 2025 + 3
    path = tmp_path / "s.toml"
    schema.save(s, path)
    assert 'start_date = "2025-04"' in path.read_text(encoding="utf-8")
    assert schema.load(path).general.start_date == s.general.start_date


def test_start_date_defaults_to_the_current_month():
    import datetime as dt

    today = dt.date.today()
    s = schema.load(SEED_FILE)  # the seed does not write one
    assert (s.general.start_date.year, s.general.start_date.month) == (today.year, today.month)


@pytest.mark.parametrize(("value", "why"), [("2025-13", "month 13 is not 1-12"), ("2025-4", "not written YYYY-MM"),
                                            ("1989-12", "out of range"), (24303.5, "whole number"), (True, "type")])
def test_a_bad_start_date_names_the_field_the_value_and_the_range(value, why):
    with pytest.raises(schema.ScenarioError) as info:
        _seed(start_date=value)
    msg = str(info.value)
    assert "general.start_date" in msg and why in msg, msg
    assert "1990-01" in msg and "2100-12" in msg, msg  # the allowed range, in words


def test_every_column_has_its_period_date():
    """Purchase in 2025-11, 60 months: month 0 is 2025-11, month 2 is 2026-01, month 60 is 2030-11."""
    r = model.evaluate(_seed(start_date="2025-11"))
    p = reports.period_columns(r.heavy_monthly)
    assert list(p["period"][[0, 1, 2, 60]]) == ["2025-11", "2025-12", "2026-01", "2030-11"]
    assert list(p["calendar_year"][[0, 2]]) == [2025, 2026]
    assert list(reports.period_columns(r.light_monthly)["period"]) == list(p["period"])


@pytest.mark.parametrize(("first", "month", "fiscal"), [
    (1, "2025-12", 2025), (1, "2026-01", 2026),  # calendar years
    (4, "2025-03", 2025), (4, "2025-04", 2026), (4, "2026-03", 2026),  # April–March, named by the end year
    (7, "2025-06", 2025), (7, "2025-07", 2026), (12, "2025-12", 2026), (12, "2025-11", 2025),
])
def test_fiscal_year_is_named_by_the_calendar_year_it_ends_in(first, month, fiscal):
    r = model.evaluate(_seed(start_date=month, fiscal_year_start_month=first))
    h = r.heavy_monthly
    assert h["fiscal_year"].iloc[0] == fiscal
    # 12 months later is the next fiscal year, the same fiscal month
    assert h["fiscal_year"].iloc[12] == fiscal + 1 and h["fiscal_month"].iloc[12] == h["fiscal_month"].iloc[0]


def test_the_calendar_moves_no_figure(seed):
    """Dates and fiscal years change labels only: every result and every monthly line but the calendar's."""
    calendar = {"start_month_number", "month_number", "calendar_year", "calendar_month", "fiscal_year",
                "fiscal_month", "fiscal_year_close"}
    a = model.evaluate(seed.replace({"general.start_date": "2019-01"}))
    b = model.evaluate(seed.replace({"general.start_date": "2031-07", "general.fiscal_year_start_month": 4}))
    for m in ("heavy", "light"):
        ra, rb = getattr(a, m), getattr(b, m)
        assert {k: v for k, v in ra.items() if k != "start_month_number"} == pytest.approx(
            {k: v for k, v in rb.items() if k != "start_month_number"}, nan_ok=True)
        cols = [c for c in getattr(a, f"{m}_monthly").columns if c not in calendar]
        pd.testing.assert_frame_equal(getattr(a, f"{m}_monthly")[cols], getattr(b, f"{m}_monthly")[cols])
    assert a.heavy["payback_months"] == pytest.approx(16.158, abs=5e-4)  # seeds.md: 16.158 months


# ---- the annual roll-up --------------------------------------------------------------------------
def _assert_rollup_matches(monthly: pd.DataFrame, name: str, by: reports.By) -> None:
    a = reports.annual(monthly, name, by)
    flows = {i.key for i in model.MODELS[name] if i.flow}
    assert float(a["months"].to_numpy().sum()) == len(monthly)
    for key in a.columns:
        if key in flows:  # annual sums equal the monthly ones
            got, want = a[key].to_numpy().sum(), monthly[key].to_numpy().sum()
            assert got == pytest.approx(want, rel=1e-12, abs=1e-6), key
    year = reports.year_of(monthly, by)
    ends = np.r_[np.flatnonzero(np.diff(year)), len(year) - 1]
    assert np.allclose(a["closing_cash_cny"], monthly["closing_cash_cny"].to_numpy()[ends], atol=1e-6)
    assert np.allclose(a["total_assets_cny"], monthly["total_assets_cny"].to_numpy()[ends], atol=1e-6)
    assert np.abs(a["balance_check_cny"]).max() <= 1e-6
    if by == "fiscal":  # the engine's own year-close flag marks the same months
        assert list(np.flatnonzero(monthly["fiscal_year_close"].to_numpy()[: len(year)])) == list(ends)


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
@pytest.mark.parametrize("by", ["fiscal", "calendar"])
def test_annual_sums_equal_the_monthly_ones_on_every_preset(path, by):
    s = schema.load(path).replace({"general.start_date": "2025-08", "general.fiscal_year_start_month": 4})
    r = model.evaluate(s)
    for m in ("heavy", "light"):
        _assert_rollup_matches(getattr(r, f"{m}_monthly"), m, by)


@pytest.mark.parametrize("i", range(20))
def test_annual_sums_equal_the_monthly_ones_on_random_scenarios(i):
    r = model.evaluate(random_scenario(np.random.default_rng(7100 + i)))
    for m in ("heavy", "light"):
        _assert_rollup_matches(getattr(r, f"{m}_monthly"), m, "fiscal")


def test_seed_by_calendar_year_reads_like_the_seed():
    """Purchase in December 2024: month 0 (capex) alone in 2024, then five whole years of 157.68万
    revenue and 36万 depreciation (seeds.md); April fiscal years give 2025 a 3-month first year."""
    r = model.evaluate(_seed(start_date="2024-12"))
    a = reports.annual(r.heavy_monthly, "heavy", "calendar")
    assert list(a.index) == [2024, 2025, 2026, 2027, 2028, 2029]
    assert list(a["months"]) == [1, 12, 12, 12, 12, 12]
    assert a.loc[2026, "revenue_cny"] == pytest.approx(1_576_800)
    assert a.loc[2026, "depreciation_cny"] == pytest.approx(360_000)
    assert a.loc[2024, "investment_cny"] == pytest.approx(1_800_000)
    assert a.loc[2027, "ebitda_margin"] == pytest.approx((1_576_800 - 240_000) / 1_576_800)
    assert np.isnan(a.loc[2027, "dscr"])  # no debt service: no DSCR
    fy = reports.annual(r.heavy_monthly, "heavy", "fiscal")  # fiscal_year_start_month 1: calendar years
    pd.testing.assert_frame_equal(fy, a)
    fy4 = reports.annual(model.evaluate(_seed(start_date="2024-12", fiscal_year_start_month=4)).heavy_monthly, "heavy")
    assert list(fy4["months"]) == [4, 12, 12, 12, 12, 9] and list(fy4.index) == [2025, 2026, 2027, 2028, 2029, 2030]
    assert (fy4.loc[2025, "first"], fy4.loc[2025, "last"]) == ("2024-12", "2025-03")


def test_dscr_is_the_ratio_of_the_years_sums():
    r = model.evaluate(_seed(start_date="2025-01").replace({"heavy.loan_share_of_capex": 0.6,
                                                             "heavy.loan_term_months": 36}))
    h = r.heavy_monthly
    a = reports.annual(h, "heavy", "calendar")
    months = h["calendar_year"] == 2026
    want = h.loc[months, "cfads_cny"].sum() / h.loc[months, "debt_service_cny"].sum()
    assert a.loc[2026, "dscr"] == pytest.approx(want, rel=1e-12) and want > 1
    assert np.isnan(a.loc[2029, "dscr"])  # loan repaid in 2028: no service, no ratio


# ---- the command line ----------------------------------------------------------------------------
def test_evaluate_annual_prints_the_statements_by_year():
    res = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--annual"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    for title in ("Income statement 利润表", "Cash-flow statement 现金流量表", "Balance sheet 资产负债表"):
        assert res.stdout.count(title) == 2  # heavy and light
    assert "157.68" in res.stdout  # a whole year of the seed's revenue, 万元
    assert "Balance check" in res.stdout


def test_evaluate_json_annual_has_the_roll_up():
    res = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--json", "--annual"])
    out = json.loads(res.stdout)
    years = out["annual"]["heavy"]
    assert sum(y["months"] for y in years) == 61
    assert sum(y["revenue_cny"] for y in years) == pytest.approx(5 * 1_576_800)
    assert "annual" not in json.loads(CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--json"]).stdout)


def test_evaluate_monthly_writes_the_tidy_table_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "m.csv"
    res = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--monthly", str(target)])
    assert res.exit_code == 0 and target.exists(), res.output
    table = pd.read_csv(target, encoding="utf-8-sig")
    r = model.evaluate(schema.load(SEED_FILE))
    assert len(table) == 61 and list(table.columns[:4]) == ["month", *reports.PERIOD_COLUMNS]
    assert np.abs(table["heavy.balance_check_cny"].to_numpy()).max() <= 1e-6
    # full precision: the file reads back to the engine's floats
    assert np.array_equal(table["heavy.net_income_cny"], r.heavy_monthly["net_income_cny"].to_numpy())
    assert np.array_equal(table["light.cash_flow_cny"], r.light_monthly["cash_flow_cny"].to_numpy())
    before = target.read_bytes()
    again = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--monthly", str(target)])
    assert again.exit_code == 2 and "exists; use --force" in again.stderr and again.stdout == ""
    assert target.read_bytes() == before
    forced = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--monthly", str(target), "--force"])
    assert forced.exit_code == 0 and target.read_bytes() == before


@pytest.mark.parametrize(("name", "why"), [("m.parquet", "use a .csv file name"), ("missing/m.csv", "does not exist"),
                                           ("folder.csv", "is a directory")])
def test_evaluate_monthly_refuses_a_bad_name_before_any_work(tmp_path, name, why):
    (tmp_path / "folder.csv").mkdir()
    res = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--monthly", str(tmp_path / name)])
    assert res.exit_code == 2 and why in res.stderr, res.output
    assert res.stdout == ""
    assert [p.name for p in tmp_path.rglob("*")] == ["folder.csv"]  # nothing written, nothing left behind
