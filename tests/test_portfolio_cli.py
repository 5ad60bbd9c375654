"""``finmodel portfolio`` and the presets, read as worked examples of deals.md's figures; and the
portfolio side of the analyses (overrides → batch results), checked against rebuilt portfolios."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finmodel.model import portfolio_analysis as pa
from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio_result import evaluate
from finmodel.model.results import UnknownMetricError
from finmodel.schema import ScenarioError, UnknownFieldError, portfolio
from tests.test_hostile_inputs import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[1]
LOTS = ROOT / "assumptions" / "portfolio" / "h800_lots.toml"
GENERATIONS = ROOT / "assumptions" / "portfolio" / "three_generations.toml"


@pytest.fixture(scope="module")
def lots() -> portfolio.Portfolio:
    return portfolio.load(LOTS)


@pytest.fixture(scope="module")
def generations() -> portfolio.Portfolio:
    return portfolio.load(GENERATIONS)


# --------------------------------------------------------------------------- the presets
def test_the_h800_lots_follow_the_announcements(lots: portfolio.Portfolio) -> None:
    r = evaluate(lots)
    servers = r.fleet_total()["servers_in_service"]
    # 12 of 330 delivered in November 2023 (month 2), in service from month 3; 38 bought and delivered
    # in January 2024 (month 4); 49 paid in February (month 5), delivered a month later; the other 318
    # of the first order a year late (an assumption: still undelivered in May 2024)
    assert servers.iloc[[2, 3, 5, 7, 14, 15]].round(9).tolist() == [0, 12, 50, 99, 99, 417]
    assert r.fleet_total()["capacity_p"].iloc[15] == pytest.approx(417 * 8 * 989 / 1000)
    bundle = 300_000 + 50_000 + 50_000  # network, parts, racks per server (assumptions of the cohort file)
    assert r.monthly["investment_cny"].iloc[0] == pytest.approx(330 * (2_100_000 + bundle))  # 6.93亿 + bundle
    assert r.monthly["investment_cny"].iloc[4] == pytest.approx(38 * (2_830_000 + bundle))
    assert r.monthly["investment_cny"].iloc[5] == pytest.approx(49 * (2_820_000 + bundle))
    assert r.cohorts["share_of_capex"].sum() == pytest.approx(1.0)


def test_three_generations_refresh_and_sublease(generations: portfolio.Portfolio) -> None:
    r = evaluate(generations)
    assert r.cohorts.loc["h20_2025", "purchase_month"] == 36 == r.cohorts.loc["a100_2022", "end_month"]
    fleet = r.fleet.pivot(index="month", columns="gpu", values="capacity_p")
    assert fleet.loc[36, "A100-40G-NVLink"] == pytest.approx(20 * 8 * 0.312) and fleet.loc[37, "A100-40G-NVLink"] == 0
    assert fleet.loc[37:, "H20"].max() == pytest.approx(20 * 8 * 0.148 + 40)  # owned H20s + 40 P sub-leased
    assert r.company["tax_sheltered_cny"] > 0  # the loss-making H20 cohorts shelter the A100s' profit
    assert r.monthly["heavy_resale_cny"].iloc[36] > 0 and np.isfinite(r.company["min_dscr"])


# --------------------------------------------------------------------------- the command
def test_portfolio_prints_company_cohorts_and_years(tmp_path: Path) -> None:
    run = invoke(["portfolio", GENERATIONS, "--annual"])
    assert run.code == 0, run.stderr
    for text in ("Payback", "Peak funding", "Tax saved by company-level taxation", "a100_2022", "h20_sublease",
                 "company by year", "calendar years arrive with issue 13"):
        assert text in run.stdout, text


def test_portfolio_json_has_company_cohorts_and_annual(generations: portfolio.Portfolio) -> None:
    out = json.loads(invoke(["portfolio", GENERATIONS, "--json", "--annual"]).stdout)
    r = evaluate(generations)
    assert out["company"]["npv_cny"] == r.company["npv_cny"]
    assert [c["cohort"] for c in out["cohorts"]] == ["a100_2022", "h800_2023", "h20_2025", "h20_sublease"]
    assert out["company"]["payback_months"] is None  # never: null, not NaN
    assert len(out["annual"]["years"]) == 8 and "service years" in out["annual"]["note"]


def test_monthly_file_is_written_once_and_not_overwritten_by_mistake(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    assert invoke(["portfolio", LOTS, "--monthly", target]).code == 0
    df = pd.read_csv(target, encoding="utf-8-sig")
    assert len(df) == 61 and {"month", "revenue_cny", "capacity_p", "equity_cash_flow_cny"} <= set(df.columns)
    before = target.read_bytes()
    assert_refused(invoke(["portfolio", LOTS, "--monthly", target]), "exists", "--force")
    assert target.read_bytes() == before
    assert invoke(["portfolio", LOTS, "--monthly", target, "--force"]).code == 0
    assert_refused(invoke(["portfolio", LOTS, "--monthly", tmp_path / "m.txt"]), ".csv or .parquet")


# --------------------------------------------------------------------------- the analyses' side
def test_overrides_equal_rebuilt_portfolios_bit_for_bit(generations: portfolio.Portfolio) -> None:
    prices = np.array([15.0, 20.55, 30.0])
    months = np.array([6, 12, 20])
    mets = ["company.npv_cny", "company.irr", "payback_months", "cohorts.h800_2023.irr",
            "cohorts.h800_2023.share_of_revenue", "company.tax_sheltered_cny"]
    got = pa.evaluate(generations, {"cohorts.h800_2023.heavy.price_cny_per_card_hour": prices,
                                    "cohorts.h800_2023.purchase_month": months}, mets)
    for i in range(3):
        one = evaluate(generations.replace({"cohorts.h800_2023.heavy.price_cny_per_card_hour": prices[i],
                                            "cohorts.h800_2023.purchase_month": int(months[i])}))
        want = [one.company["npv_cny"], one.company["irr"], one.company["payback_months"],
                one.cohorts.loc["h800_2023", "irr"], one.cohorts.loc["h800_2023", "share_of_revenue"],
                one.company["tax_sheltered_cny"]]
        got_i = [got[pa.metric_path(generations, m)][i] for m in mets]
        np.testing.assert_array_equal(got_i, want)


def test_a_company_wide_price_shock_multiplies_every_rental_price(lots: portfolio.Portfolio,
                                                                  generations: portfolio.Portfolio) -> None:
    for p in (lots, generations):
        shocked = pa.evaluate(p, {"shocks.price_factor": [1.3]}, ["company.npv_cny"])["company.npv_cny"][0]
        changes = {}
        for c in p.cohorts:
            for path in ("heavy.price_cny_per_card_hour", "light.sell_price_cny_per_p_year"):
                v = c.scenario.get(path)
                if v is not None and (c.model == "heavy") == path.startswith("heavy."):
                    changes[f"cohorts.{c.name}.{path}"] = v * 1.3
        assert shocked == evaluate(p.replace(changes)).company["npv_cny"]


def test_chunks_do_not_change_results(lots: portfolio.Portfolio, monkeypatch: pytest.MonkeyPatch) -> None:
    f = np.linspace(0.6, 1.4, 9)
    whole = pa.evaluate(lots, {"shocks.price_factor": f}, ["company.npv_cny", "company.irr"])
    monkeypatch.setattr(pa, "CHUNK_CELLS", 1)
    chunked = pa.evaluate(lots, {"shocks.price_factor": f}, ["company.npv_cny", "company.irr"])
    for k in whole:
        np.testing.assert_array_equal(whole[k], chunked[k])
    assert np.all(np.diff(whole["company.npv_cny"]) > 0)


@pytest.mark.parametrize(("overrides", "error", "words"), [
    ({"cohorts.lot_jan_2024.heavy.occupancy": [0.5, 1.2]}, ScenarioError, "cohorts.lot_jan_2024.heavy.occupancy = 1.2"),
    ({"cohorts.lot_jan_2024.purchase_month": [3, 70]}, ScenarioError, "past the company horizon"),
    ({"cohorts.nope.heavy.occupancy": 0.5}, UnknownFieldError, "unknown cohort 'nope'"),
    ({"cohorts.lot_jan_2024.retire_month": 30}, ScenarioError, "not retired in the file"),
    ({"cohorts.lot_jan_2024.light.capacity_p": 3}, ScenarioError, "no effect"),
    ({"general.horizon_months": [48, 60]}, ScenarioError, "time axis"),
    ({"shocks.price_factor": -1}, ScenarioError, "shocks.price_factor = -1.0: out of range"),
])
def test_bad_overrides_name_the_cohort_and_field(lots: portfolio.Portfolio, overrides: dict, error: type,
                                                 words: str) -> None:
    with pytest.raises(error, match=words.replace(".", r"\.").replace("(", r"\(")):
        pa.evaluate(lots, overrides, ["company.npv_cny"])


def test_result_names_resolve_with_suggestions(lots: portfolio.Portfolio) -> None:
    assert pa.metric_path(lots, "irr") == "company.irr"
    assert pa.metric_info(lots, "cohorts.lot_jan_2024.payback_months").nan_means == "never"
    with pytest.raises(UnknownMetricError, match="did you mean company.npv_cny"):
        pa.metric_path(lots, "company.npv")
    assert pa.tornado_fields(lots)[:2] == ["shocks.price_factor", "shocks.occupancy_factor"]
    # every KPI the CLI prints is a result an analysis can ask for (peak funding sits among the cash lines)
    assert [pa.metric_path(lots, k) for k in pi.KPIS] == [f"company.{k}" for k in pi.KPIS]
    cohort = list(pi.COHORT_KPIS)
    assert [pa.metric_path(lots, f"cohorts.lot_jan_2024.{k}") for k in cohort] == [
        f"cohorts.lot_jan_2024.{k}" for k in cohort]
    got = pa.evaluate(lots, {}, ["company.peak_funding_cny", "company.moic"])
    r = evaluate(lots)
    assert float(np.asarray(got["company.peak_funding_cny"])[0]) == r.company["peak_funding_cny"]


def test_xlsx_writes_the_portfolio_workbook_once(tmp_path: Path) -> None:
    import openpyxl

    from finmodel.workbook import company

    target = tmp_path / "company.xlsx"
    run = invoke(["portfolio", LOTS, "--xlsx", target])
    assert run.code == 0, run.stderr
    assert f"wrote {target}" in run.stderr
    book = openpyxl.load_workbook(target)
    p = portfolio.load(LOTS)
    assert book.sheetnames[:2] == [company.PORTFOLIO_INPUTS, company.COMPANY]
    assert set(company.sheet_names(p)) <= set(book.sheetnames)
    again = invoke(["portfolio", LOTS, "--xlsx", target])
    assert again.code != 0 and "exists; use --force" in again.stderr
    assert invoke(["portfolio", LOTS, "--xlsx", target, "--force"]).code == 0
    wrong = invoke(["portfolio", LOTS, "--xlsx", tmp_path / "c.csv"])
    assert wrong.code != 0 and "use an .xlsx file name" in wrong.stderr
