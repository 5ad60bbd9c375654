"""Sweeps, tornado, goal seek and Monte Carlo on portfolio files (issue 14's analysis surface).

Every analysis result here is checked against the portfolio evaluated alone
(``model.portfolio_result.evaluate`` of ``Portfolio.replace(...)``), which does not go through the
analysis layer at all: a sweep row, a tornado bar, a solved price factor and a Monte Carlo draw are
each the company (or cohort) results of one modified portfolio file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from finmodel import schema
from finmodel.analysis import montecarlo, sensitivity, subject, sweep
from finmodel.cli import app
from finmodel.model import portfolio_analysis as pa
from finmodel.model.portfolio_result import PortfolioResult, evaluate
from finmodel.schema import portfolio
from finmodel.schema.portfolio import Portfolio

ROOT = Path(__file__).resolve().parents[1]
LOTS = ROOT / "assumptions" / "portfolio" / "h800_lots.toml"
GENERATIONS = ROOT / "assumptions" / "portfolio" / "three_generations.toml"
PRESETS = {"lots": LOTS, "generations": GENERATIONS}
PRICE = "shocks.price_factor"


@pytest.fixture(scope="module", params=list(PRESETS))
def preset(request: pytest.FixtureRequest) -> Portfolio:
    return portfolio.load(PRESETS[request.param])


def alone(p: Portfolio, changes: dict[str, float]) -> PortfolioResult:
    """The portfolio with ``changes`` written into its file data, evaluated on its own."""
    return evaluate(p.replace(changes))


def result_of(r: PortfolioResult, path: str) -> float:
    """``company.<key>`` or ``cohorts.<name>.<key>`` of one evaluated portfolio."""
    head, _, rest = path.partition(".")
    if head == "company":
        return float(r.company[rest])
    name, _, key = rest.partition(".")
    return float(r.cohorts.loc[name, key])


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def heavy_cohort(p: Portfolio) -> str:
    return next(c.name for c in p.cohorts if c.model == "heavy" and c.purchase_month > 0)


# --------------------------------------------------------------------------- sweep
def test_a_sweep_over_a_cohort_path_equals_each_modified_portfolio_alone(preset: Portfolio) -> None:
    name = heavy_cohort(preset)
    path = f"cohorts.{name}.heavy.price_cny_per_card_hour"
    mets = ["company.payback_months", "company.npv_cny", "company.irr", "company.peak_funding_cny",
            "company.total_tax_cny", f"cohorts.{name}.irr", f"cohorts.{name}.share_of_revenue"]
    df = sweep.run(preset, [f"{path}=15:35:3", f"{PRICE}=0.9,1.3"], mets)
    assert list(df.columns) == [path, PRICE, *mets] and len(df) == 6
    for row in df.to_dict(orient="records"):
        one = alone(preset, {path: row[path], PRICE: row[PRICE]})
        for m in mets:
            assert same(row[m], result_of(one, m)), (row[path], row[PRICE], m)


def test_all_rental_prices_times_f_is_every_cohorts_price_times_f(preset: Portfolio) -> None:
    """The company-wide shock against the file edited by hand: each heavy cohort's card-hour
    price, and each light book's resale price, multiplied by f."""
    f = 1.15
    by_hand: dict[str, float] = {}
    for c in preset.cohorts:
        paths = ["heavy.price_cny_per_card_hour"] + (
            ["light.price_cny_per_card_hour", "light.sell_price_cny_per_p_year"] if c.model == "light" else [])
        for sub in paths:
            v = c.scenario.get(sub)
            if v is not None:
                by_hand[f"cohorts.{c.name}.{sub}"] = v * f
    mets = [*pa.DEFAULT_METRICS, "company.total_tax_cny"]
    shocked = sweep.evaluate(preset, {PRICE: np.array([f])}, mets)
    edited = alone(preset, by_hand)
    unshocked = evaluate(preset)
    for m in mets:
        assert shocked[m][0] == pytest.approx(result_of(edited, m), rel=1e-12, nan_ok=True), m
    assert shocked["company.npv_cny"][0] > unshocked.company["npv_cny"]


def test_the_company_horizon_is_one_batch_per_value() -> None:
    p = portfolio.load(LOTS)
    out = sweep.evaluate(p, {"general.horizon_months": np.array([72, 60, 72])}, ["company.npv_cny"])
    for h, v in zip((72, 60, 72), out["company.npv_cny"], strict=True):
        assert v == alone(p, {"general.horizon_months": h}).company["npv_cny"]


def test_sweep_defaults_are_the_company_results() -> None:
    p = portfolio.load(LOTS)
    df = sweep.run(p, [f"{PRICE}=1"])
    assert list(df.columns) == [PRICE, *pa.DEFAULT_METRICS]


@pytest.mark.parametrize(("spec", "words"), [
    ("cohorts.lot_jan_2042.heavy.occupancy=0.5,0.9", ["lot_jan_2024"]),  # did you mean
    ("cohorts.lot_jan_2024.purchase_month=0,70", ["cohorts.lot_jan_2024.purchase_month", "70", "horizon"]),
    ("heavy.occupancy=0.5,0.9", ["portfolio inputs are"]),
    ("shocks.price_factor=0.5:20:3", ["shocks.price_factor", "20"]),
])
def test_bad_portfolio_axes_fail_before_any_work_naming_cohort_and_field(spec: str, words: list[str]) -> None:
    p = portfolio.load(LOTS)
    with pytest.raises((schema.ScenarioError, schema.UnknownFieldError)) as err:
        sweep.Grid.parse([spec], on=p)
    text = "\n".join(err.value.lines()) if isinstance(err.value, schema.ScenarioError) else str(err.value)
    for w in words:
        assert w in text, (w, text)


def test_a_two_way_grid_of_a_portfolio_defaults_to_company_payback() -> None:
    p = portfolio.load(LOTS)
    df = sensitivity.grid(p, PRICE, [1.0, 1.5], "cohorts.lot_jan_2024.heavy.occupancy", [0.6, 0.9])
    assert list(df.columns) == [PRICE, "cohorts.lot_jan_2024.heavy.occupancy", "company.payback_months"]
    last = alone(p, {PRICE: 1.5, "cohorts.lot_jan_2024.heavy.occupancy": 0.9}).company["payback_months"]
    assert df["company.payback_months"].iloc[-1] == last


# --------------------------------------------------------------------------- tornado
def test_a_tornado_on_a_portfolio_moves_each_input_alone(preset: Portfolio) -> None:
    df = sensitivity.tornado(preset)
    base = evaluate(preset)
    fields = list(dict.fromkeys(df["field"]))
    assert set(fields) <= set(pa.tornado_fields(preset)) and PRICE in fields
    assert set(df["metric"]) == set(pa.DEFAULT_METRICS)
    for metric, b in zip(df["metric"], df["base_result"], strict=True):
        assert same(float(b), result_of(base, str(metric)))
    price = df.loc[(df["field"] == PRICE) & (df["metric"] == "company.npv_cny")].iloc[0]
    assert (price["low_input"], price["high_input"]) == (0.8, 1.2)
    assert price["low_result"] == result_of(alone(preset, {PRICE: 0.8}), "company.npv_cny")
    assert price["high_result"] == result_of(alone(preset, {PRICE: 1.2}), "company.npv_cny")
    name = heavy_cohort(preset)
    month = f"cohorts.{name}.purchase_month"
    row = df.loc[(df["field"] == month) & (df["metric"] == "company.npv_cny")].iloc[0]
    b = preset.cohort(name).purchase_month
    assert (row["low_input"], row["high_input"]) == (round(b * 0.8), round(b * 1.2))
    assert row["high_result"] == result_of(alone(preset, {month: round(b * 1.2)}), "company.npv_cny")


def test_tornado_inputs_with_no_effect_are_dropped_by_default() -> None:
    p = portfolio.load(LOTS)  # no light book: all capacity buy prices × f moves nothing
    assert "shocks.buy_price_factor" in pa.tornado_fields(p)
    assert "shocks.buy_price_factor" not in set(sensitivity.tornado(p)["field"])


# --------------------------------------------------------------------------- goal seek
@pytest.mark.parametrize(("file", "months"), [(LOTS, 48.0), (GENERATIONS, 60.0)])
def test_solve_the_company_wide_price_factor_for_a_company_payback(file: Path, months: float) -> None:
    p = portfolio.load(file)
    r = sensitivity.solve(p, PRICE, "payback_months", months)
    assert r.target == "company.payback_months" and r.converged
    assert r.base_input == 1.0
    at = alone(p, {PRICE: r.value}).company["payback_months"]
    assert at == pytest.approx(months, abs=1e-6)
    # payback shortens as prices rise: a little less than the answer pays back later
    assert alone(p, {PRICE: r.value * 0.99}).company["payback_months"] > months


def test_solve_for_a_cohort_input_and_a_cohort_result() -> None:
    p = portfolio.load(LOTS)
    r = sensitivity.solve(p, "cohorts.lot_jan_2024.heavy.price_cny_per_card_hour", "cohorts.lot_jan_2024.npv_cny", 0)
    assert r.converged and r.base_result == evaluate(p).cohorts.loc["lot_jan_2024", "npv_cny"]  # −2,131万
    npv = alone(p, {"cohorts.lot_jan_2024.heavy.price_cny_per_card_hour": r.value}).cohorts.loc["lot_jan_2024",
                                                                                               "npv_cny"]
    assert npv == r.achieved and abs(npv) < 1e-7 * abs(r.base_result)  # within 2 CNY of break-even


# --------------------------------------------------------------------------- Monte Carlo
def test_monte_carlo_on_the_shocks_is_reproducible_with_a_seed(preset: Portfolio) -> None:
    a = montecarlo.run(preset, None, 3000, 11, keep_draws=True)
    b = montecarlo.run(preset, None, 3000, 11, chunk_size=700)
    c = montecarlo.run(preset, None, 3000, 12)
    assert set(a.distributions) <= set(f"shocks.{k}" for k in preset.shocks.model_dump())
    assert {PRICE, "shocks.occupancy_factor"} <= set(a.distributions)
    assert "default set" in a.notes[0]
    for m in a.metrics:
        np.testing.assert_array_equal(a.values[m], b.values[m])
    assert not np.array_equal(a.values["company.npv_cny"], c.values["company.npv_cny"])
    assert a.metrics[:4] == list(pa.DEFAULT_METRICS)
    assert a.draws is not None
    for i in (0, 1234, 2999):  # a draw is the portfolio with those shocks
        draw = a.draws.iloc[i]
        one = alone(preset, {p: float(draw[p]) for p in a.distributions})
        for m in ("company.npv_cny", "company.payback_months"):
            assert same(float(draw[m]), result_of(one, m)), (i, m)
    npv = a.values["company.npv_cny"]
    assert a.prob_npv_negative == pytest.approx(float(np.mean(npv < 0)))
    payback = np.where(np.isnan(a.values["company.payback_months"]), np.inf, a.values["company.payback_months"])
    assert a.prob_payback_within(60) == pytest.approx(float(np.mean(payback <= 60)))


def test_monte_carlo_draws_on_cohort_paths_are_checked_up_front() -> None:
    p = portfolio.load(LOTS)  # horizon 60 months
    bad = {"cohorts.lot_feb_2024.purchase_month": {"dist": "uniform", "low": 0, "high": 80}}
    with pytest.raises(schema.ScenarioError) as err:
        montecarlo.run(p, bad, 100, 1)
    assert "cohorts.lot_feb_2024.purchase_month" in err.value.lines()[0]
    ok = montecarlo.run(p, {"cohorts.lot_feb_2024.heavy.occupancy": {"dist": "uniform", "low": 0.5, "high": 0.9}},
                        500, 1, metrics=["cohorts.lot_feb_2024.irr"])
    assert ok.metrics == ["cohorts.lot_feb_2024.irr", "company.payback_months", "company.npv_cny"]
    assert ok.summary["metric"].tolist() == ok.metrics


def test_the_shock_defaults_follow_the_files_values() -> None:
    p = portfolio.load(GENERATIONS).replace({PRICE: 1.2})
    d = subject.shock_distributions(p)
    assert d[PRICE] == {"dist": "triangular", "low": 0.8 * 1.2, "mode": 1.2, "high": 1.1 * 1.2}
    assert "shocks.buy_price_factor" in d  # a light book
    assert "shocks.buy_price_factor" not in subject.shock_distributions(portfolio.load(LOTS))


# --------------------------------------------------------------------------- the CLI
def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("file", list(PRESETS.values()), ids=list(PRESETS))
def test_every_analysis_command_runs_on_both_presets(file: Path) -> None:
    p = portfolio.load(file)
    name = heavy_cohort(p)
    path = f"cohorts.{name}.heavy.price_cny_per_card_hour"
    res = run("sweep", file, "--grid", f"{path}=15:30:4", "--grid", f"{PRICE}=0.8,1.2", "--json", "--no-progress")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["portfolio"] == p.name and len(out["rows"]) == 8
    first = out["rows"][0]
    assert first["company.npv_cny"] == alone(p, {path: 15.0, PRICE: 0.8}).company["npv_cny"]
    res = run("sweep", file, "--grid", f"{PRICE}=0.8,1.2", "--no-progress")
    assert res.exit_code == 0 and "sweep of 2 portfolios" in res.stdout
    res = run("tornado", file, "--json")
    assert res.exit_code == 0, res.stderr
    assert PRICE in {r["field"] for r in json.loads(res.stdout)["rows"]}
    res = run("solve", file, "--target", "payback_months=60", "--vary", PRICE, "--json")
    assert res.exit_code == 0, res.stderr
    solved = json.loads(res.stdout)["results"][0]
    assert solved["target"] == "company.payback_months" and solved["converged"]
    res = run("montecarlo", file, "-n", "2000", "--seed", "7", "--json", "--no-progress")
    assert res.exit_code == 0, res.stderr
    mc = json.loads(res.stdout)
    again = json.loads(run("montecarlo", file, "-n", "2000", "--seed", "7", "--json", "--no-progress").stdout)
    assert mc["summary"] == again["summary"] and mc["portfolio"] == p.name
    assert set(mc["distributions"]) <= {f"shocks.{k}" for k in p.shocks.model_dump()}


def test_set_changes_a_portfolio_before_the_analysis() -> None:
    res = run("solve", LOTS, "--set", "cohorts.lot_jan_2024.heavy.occupancy=0.8", "--set", "shocks.capex_factor=0.9",
              "--target", "npv_cny=0", "--vary", PRICE, "--json")
    assert res.exit_code == 0, res.stderr
    r = json.loads(res.stdout)["results"][0]
    p = portfolio.load(LOTS).replace({"cohorts.lot_jan_2024.heavy.occupancy": 0.8, "shocks.capex_factor": 0.9})
    assert r["value"] == sensitivity.solve(p, PRICE, "npv_cny", 0).value
    tornado = run("tornado", LOTS, "--field", PRICE, "--set", "cohorts.lot_jan_2024.purchase_month=6", "--metric",
                  "npv_cny", "--json")
    base = json.loads(tornado.stdout)["rows"][0]["base_result"]
    assert base == alone(portfolio.load(LOTS), {"cohorts.lot_jan_2024.purchase_month": 6}).company["npv_cny"]


@pytest.mark.parametrize(("args", "words"), [
    (["sweep", LOTS, "--grid", "cohorts.lot_jan_2042.heavy.occupancy=0.5,0.9"], ["lot_jan_2024"]),
    (["sweep", LOTS, "--grid", "cohorts.lot_jan_2024.purchase_month=0,70"], ["cohorts.lot_jan_2024.purchase_month"]),
    (["tornado", LOTS, "--set", "shocks.price_factor=cheap"], ["shocks.price_factor", "cheap"]),
    (["solve", LOTS, "--target", "payback_months=24", "--vary", "heavy.price_cny_per_card_hour"],
     ["portfolio inputs are"]),
    (["montecarlo", LOTS, "--dist", "cohorts.lot_feb_2024.purchase_month=uniform:0:80", "-n", "10"],
     ["cohorts.lot_feb_2024.purchase_month", "80"]),
    (["sweep", LOTS, "--grid", f"{PRICE}=1", "--metric", "heavy.irr"], ["unknown portfolio result"]),
])
def test_bad_portfolio_input_is_one_error_line(args: list, words: list[str]) -> None:
    res = run(*args)
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_a_streamed_portfolio_sweep_is_the_printed_one(tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    res = run("sweep", GENERATIONS, "--grid", f"{PRICE}=0.5:1.5:5", "--grid",
              "cohorts.h20_sublease.light.occupancy=0.5,0.9", "--out", out, "--no-progress")
    assert res.exit_code == 0 and "wrote 10 portfolios" in res.stdout, res.stderr
    df = pd.read_parquet(out)
    axes = [f"{PRICE}=0.5:1.5:5", "cohorts.h20_sublease.light.occupancy=0.5,0.9"]
    printed = sweep.run(portfolio.load(GENERATIONS), axes)
    pd.testing.assert_frame_equal(df, printed)


def test_an_input_with_no_effect_on_a_cohort_is_refused_naming_it() -> None:
    p = portfolio.load(GENERATIONS)  # h20_sublease is a light (sub-leased) book: it buys no servers
    with pytest.raises(schema.ScenarioError) as err:
        sweep.Grid.parse(["cohorts.h20_sublease.heavy.server_price_cny=1e6,2e6"], on=p)
    line = err.value.lines()[0]
    assert "cohorts.h20_sublease.heavy.server_price_cny" in line and "no effect" in line, line


def test_validate_accepts_portfolio_files_and_names_their_problems(tmp_path: Path) -> None:
    for file in PRESETS.values():
        res = run("validate", file)
        p = portfolio.load(file)
        assert res.exit_code == 0 and f"valid portfolio of {len(p.cohorts)} cohorts ({p.name!r})" in res.stdout
    bad = tmp_path / "p.toml"
    bad.write_text("[general]\nhorizon_months = 24\n[cohorts.late]\npurchase_month = 30\n", encoding="utf-8")
    res = run("validate", bad)
    assert res.exit_code == 2 and "cohorts.late.purchase_month = 30" in res.stderr
    assert "valid scenario" in run("validate", ROOT / "assumptions" / "seed_fs2024.toml").stdout


def test_a_portfolio_name_in_brackets_prints_as_written(tmp_path: Path) -> None:
    """``finmodel portfolio`` and the analyses print the name as text (cli.common.console)."""
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "cohorts").mkdir()
    for f in (LOTS.parent / "cohorts").iterdir():
        (folder / "cohorts" / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    text = LOTS.read_text(encoding="utf-8").replace('name = "H800 fleet', 'name = "[/] [bold]H800 fleet', 1)
    (folder / "lots.toml").write_text(text, encoding="utf-8")
    for args in (["portfolio", folder / "lots.toml"], ["sweep", folder / "lots.toml", "--grid", f"{PRICE}=1"],
                 ["montecarlo", folder / "lots.toml", "-n", "50", "--no-progress"]):
        res = run(*args)
        assert res.exit_code == 0, (args, res.stderr)
        assert "[/] [bold]H800 fleet" in res.stdout, args
