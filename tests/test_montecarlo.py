"""Monte Carlo: reproducibility, degenerate and converging means, distributions, copula, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from finmodel.analysis import montecarlo as mc
from finmodel.analysis import sweep

PRICE = "heavy.price_cny_per_card_hour"
OCC = "heavy.occupancy"


def deterministic(s, metric):
    return float(sweep.evaluate(s, {}, [metric])[metric][0])


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_same_draws_whatever_the_chunking(seed):
    dists = {OCC: {"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 0.95},
             PRICE: {"dist": "normal", "mean": 22, "sd": 3}}
    a = mc.run(seed, dists, 10_000, 7, keep_draws=True)
    b = mc.run(seed, dists, 10_000, 7, keep_draws=True, chunk_size=777, engine=sweep.LocalEngine(3))
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    c = mc.run(seed, dists, 10_000, 8, keep_draws=True)
    assert not np.array_equal(a.draws[OCC], c.draws[OCC])
    # a prefix of a longer run is the shorter run (draws are numbered, not chunked)
    d = mc.run(seed, dists, 12_000, 7, keep_draws=True)
    pd.testing.assert_frame_equal(d.draws.iloc[:10_000], a.draws)


def test_draw_results_equal_single_evaluations(seed):
    r = mc.run(seed, {PRICE: {"dist": "uniform", "low": 10, "high": 40}}, 50, 3, keep_draws=True)
    from finmodel import model

    for row in r.draws.sample(5, random_state=0).itertuples(index=False):
        one = model.evaluate(seed.replace({PRICE: row[0]}))
        assert row[r.draws.columns.get_loc("heavy.npv_cny")] == pytest.approx(one.heavy["npv_cny"], rel=1e-12)


# --------------------------------------------------------------------------- means
@pytest.mark.parametrize("spec", [
    {"dist": "fixed", "value": 22.5},
    {"dist": "normal", "mean": 22.5, "sd": 0},
    {"dist": "triangular", "low": 22.5, "mode": 22.5, "high": 22.5},
    {"dist": "uniform", "low": 22.5, "high": 22.5},
    {"dist": "pert", "low": 22.5, "mode": 22.5, "high": 22.5},
])
def test_degenerate_distribution_gives_the_deterministic_result(seed, spec):
    r = mc.run(seed, {PRICE: spec}, 500, 1)
    for m in mc.DEFAULT_METRICS:
        v = r.values[m]
        assert np.all(v == v[0])
        assert r.summary.set_index("metric").loc[m, "mean"] == pytest.approx(deterministic(seed, m), rel=1e-12)


def test_mean_converges_to_the_deterministic_value(seed):
    """NPV is linear in the price here (no tax, ratio cost method, no price-dependent costs), so the
    mean NPV over a symmetric price distribution is the NPV at the mean price: the Monte Carlo mean
    lies within 4 standard errors, and the error shrinks as n grows."""
    base = deterministic(seed, "heavy.npv_cny")
    errors = []
    for n in (500, 50_000):
        r = mc.run(seed, {PRICE: {"dist": "normal", "mean": 22.5, "sd": 2.0}}, n, 11, metrics=["heavy.npv_cny"])
        v = r.values["heavy.npv_cny"]
        se = v.std(ddof=1) / math.sqrt(n)
        assert abs(v.mean() - base) < 4 * se
        errors.append(abs(v.mean() - base))
    assert errors[1] < errors[0]


# --------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("spec, mean, sd", [
    ({"dist": "triangular", "low": 10, "mode": 20, "high": 40}, 70 / 3,
     math.sqrt((100 + 400 + 1600 - 200 - 400 - 800) / 18)),
    ({"dist": "uniform", "low": 10, "high": 40}, 25, 30 / math.sqrt(12)),
    ({"dist": "normal", "mean": 25, "sd": 3}, 25, 3),
    ({"dist": "lognormal", "mu": 3, "sigma": 0.2}, math.exp(3 + 0.02),
     math.sqrt((math.exp(0.04) - 1) * math.exp(6.04))),
    ({"dist": "lognormal", "mean": 25, "sd": 4}, 25, 4),
    ({"dist": "beta", "alpha": 2, "beta": 5, "low": 10, "high": 40}, 10 + 30 * 2 / 7, 30 * math.sqrt(10 / (49 * 8))),
    ({"dist": "pert", "low": 10, "mode": 20, "high": 40}, (10 + 80 + 40) / 6, None),
])
def test_distribution_moments(spec, mean, sd):
    d = mc.make_distribution(PRICE, spec)
    x = mc.sample([d], 123, 0, 100_000)[PRICE]
    assert x.mean() == pytest.approx(mean, rel=0.005)
    if sd is not None:
        assert x.std() == pytest.approx(sd, rel=0.02)


def test_against_scipy_quantiles():
    """The inverse CDFs agree with scipy.stats (an independent implementation)."""
    u = np.array([0.01, 0.2, 0.5, 0.9, 0.999])
    tri = mc.make_distribution(PRICE, {"dist": "triangular", "low": 10, "mode": 14, "high": 40})
    np.testing.assert_allclose(tri.ppf(u), stats.triang(c=4 / 30, loc=10, scale=30).ppf(u), rtol=1e-12)
    pert = mc.make_distribution(PRICE, {"dist": "pert", "low": 10, "mode": 14, "high": 40})
    a, b = 1 + 4 * 4 / 30, 1 + 4 * 26 / 30
    np.testing.assert_allclose(pert.ppf(u), stats.beta(a, b, loc=10, scale=30).ppf(u), rtol=1e-10)
    logn = mc.make_distribution(PRICE, {"dist": "lognormal", "mu": 3, "sigma": 0.4})
    np.testing.assert_allclose(logn.ppf(u), stats.lognorm(s=0.4, scale=math.exp(3)).ppf(u), rtol=1e-12)


def test_truncation_to_schema_bounds(seed):
    d = mc.make_distribution(OCC, {"dist": "normal", "mean": 0.8, "sd": 0.2})
    outside = 1 - (stats.norm.cdf(1, 0.8, 0.2) - stats.norm.cdf(0, 0.8, 0.2))
    assert d.truncated_share == pytest.approx(outside, rel=1e-9)
    r = mc.run(seed, {OCC: {"dist": "normal", "mean": 0.8, "sd": 0.2}}, 20_000, 5, keep_draws=True)
    x = r.draws[OCC]
    assert x.min() >= 0 and x.max() <= 1
    assert any("15.9%" in n and "truncated" in n for n in r.notes)
    # truncated normal = rejection sampling: its mean matches scipy's truncnorm
    assert x.mean() == pytest.approx(stats.truncnorm(-4, 1, loc=0.8, scale=0.2).mean(), abs=0.004)
    # strict bound (noncash share > 0) is respected
    nc = mc.make_distribution("heavy.noncash_share_of_cost", {"dist": "uniform", "low": -1, "high": 0.5})
    assert nc.ppf(np.array([0.0, 1e-300])).min() > 0


def test_integer_inputs_are_rounded(seed):
    r = mc.run(seed, {"heavy.cards_per_server": {"dist": "uniform", "low": 4, "high": 10}}, 2000, 2, keep_draws=True)
    x = r.draws["heavy.cards_per_server"]
    assert np.all(x == np.round(x)) and set(x) <= set(range(4, 11))


def test_rank_correlation_via_gaussian_copula(seed):
    dists = {OCC: {"dist": "triangular", "low": 0.3, "mode": 0.8, "high": 1.0},
             PRICE: {"dist": "lognormal", "mean": 22, "sd": 4},
             "heavy.server_price_cny": {"dist": "uniform", "low": 1.2e6, "high": 1.7e6}}
    corr = [(OCC, PRICE, -0.6), (PRICE, "heavy.server_price_cny", 0.3)]
    r = mc.run(seed, dists, 20_000, 9, correlation=corr, keep_draws=True, metrics=["heavy.npv_cny"])
    rho = r.draws[list(dists)].corr(method="spearman")
    assert rho.loc[OCC, PRICE] == pytest.approx(-0.6, abs=0.025)
    assert rho.loc[PRICE, "heavy.server_price_cny"] == pytest.approx(0.3, abs=0.025)
    assert rho.loc[OCC, "heavy.server_price_cny"] == pytest.approx(0.0, abs=0.03)  # pairs not given: independent
    # the marginals are unchanged by the copula
    x = r.draws[PRICE]
    assert x.mean() == pytest.approx(22, rel=0.01) and x.std() == pytest.approx(4, rel=0.03)


def test_inconsistent_correlations_are_refused(seed):
    dists = {k: {"dist": "uniform", "low": 0.1, "high": 0.9} for k in (OCC, "heavy.pue", "heavy.occupancy_start")}
    dists["heavy.pue"] = {"dist": "uniform", "low": 1.1, "high": 1.5}
    bad = [(OCC, "heavy.pue", 0.9), ("heavy.pue", "heavy.occupancy_start", 0.9), (OCC, "heavy.occupancy_start", -0.9)]
    with pytest.raises(ValueError, match="not positive definite"):
        mc.run(seed, dists, 10, 1, correlation=bad)
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\]"):
        mc.run(seed, dists, 10, 1, correlation=[(OCC, "heavy.pue", 1.5)])
    with pytest.raises(ValueError, match="has no distribution"):
        mc.run(seed, dists, 10, 1, correlation=[(OCC, PRICE, 0.5)])


# --------------------------------------------------------------------------- results
def test_probabilities_and_summary_with_never(seed):
    r = mc.run(seed, {PRICE: {"dist": "uniform", "low": 2, "high": 30}}, 5000, 4, keep_draws=True)
    pb = r.draws["heavy.payback_months"].to_numpy()
    never = np.isnan(pb)
    assert 0.05 < never.mean() < 0.5  # cheap prices never pay back
    assert r.prob_payback_within(24) == pytest.approx(np.mean(~never & (pb <= 24)))
    assert r.prob_npv_negative == pytest.approx(np.mean(r.draws["heavy.npv_cny"] < 0))
    row = r.summary.set_index("metric").loc["heavy.payback_months"]
    assert row.share_nan == pytest.approx(never.mean()) and row.nan_means == "never"
    assert row["mean"] == pytest.approx(np.nanmean(pb))
    assert math.isinf(row["max"])  # "never" is longer than any month
    ordered = np.sort(np.where(never, np.inf, pb))
    assert row.p50 == ordered[int(np.ceil(0.5 * len(pb))) - 1]  # inverted-CDF percentile
    assert r.summary.set_index("metric").loc["heavy.npv_cny", "base"] == pytest.approx(
        deterministic(seed, "heavy.npv_cny"))


def test_default_distributions_are_stated(seed):
    r = mc.run(seed, None, 200, 0)
    assert r.notes and r.notes[0].startswith("no distributions given")
    assert OCC in r.distributions and PRICE in r.distributions
    bottom = seed.replace({"heavy.cash_cost_method": "bottom_up"})
    assert "heavy.electricity_cny_per_kwh" in mc.default_distributions(bottom)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("spec, words", [
    ({"dist": "triangular", "low": 0.9, "mode": 0.5, "high": 0.95},
     r"heavy.occupancy: triangular needs low ≤ mode ≤ high"),
    ({"dist": "normal", "mean": 0.5, "sd": -1}, r"heavy.occupancy: normal needs sd ≥ 0"),
    ({"dist": "uniform", "low": 0.9}, r"heavy.occupancy: uniform needs parameter 'high'"),
    ({"dist": "uniform", "low": 0.1, "high": 0.9, "mode": 0.5}, "has no parameter 'mode'"),
    ({"dist": "normal", "mean": "a", "sd": 1}, "parameter 'mean' must be a finite number"),
    ({"dist": "normal", "mean": float("nan"), "sd": 1}, "must be a finite number"),
    ({"dist": "triangle", "low": 0, "mode": 1, "high": 2}, "unknown distribution 'triangle'; did you mean triangular"),
    ({"low": 0, "high": 1}, "missing 'dist'"),
    ({"dist": "beta", "alpha": 0, "beta": 2}, "needs alpha > 0"),
    ({"dist": "lognormal", "mean": -1, "sd": 1}, "needs mean > 0"),
    ({"dist": "normal", "mean": 5, "sd": 0.01}, "no probability inside the allowed range"),
])
def test_invalid_distributions_name_field_and_parameter(spec, words):
    with pytest.raises(ValueError, match=words):
        mc.make_distribution(OCC, spec)


def test_other_bad_input(seed):
    with pytest.raises(ValueError, match="numeric input"):
        mc.make_distribution("heavy.billing_mode", {"dist": "uniform", "low": 0, "high": 1})
    with pytest.raises(ValueError, match="time axis"):
        mc.make_distribution("general.horizon_months", {"dist": "uniform", "low": 12, "high": 60})
    for n in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="positive whole number"):
            mc.run(seed, None, n, 1)
    with pytest.raises(ValueError, match="seed"):
        mc.run(seed, None, 10, -1)


@pytest.mark.parametrize("spec, words", [
    ("heavy.occupancy=triangular:0.5:0.8", "takes 3 parameters"),
    ("heavy.occupancy=triangular:0.5:x:0.9", "parameter 'mode' must be a number"),
    ("heavy.occupancy", "malformed distribution"),
    ("heavy.occupancy=gauss:1:2", "unknown distribution"),
    ("heavy.occupancy=triangular:0.9:0.5:0.95", "needs low ≤ mode ≤ high"),
])
def test_parse_dist_errors(spec, words):
    with pytest.raises(ValueError, match=words):
        mc.parse_dist(spec)


def test_parse_dist_and_toml_file(tmp_path):
    assert mc.parse_dist("heavy.occupancy=triangular:0.5:0.8:0.95") == (
        OCC, {"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 0.95})
    assert mc.parse_dist("heavy.pue=beta:2:5:1.1:1.6")[1] == {"dist": "beta", "alpha": 2.0, "beta": 5.0,
                                                             "low": 1.1, "high": 1.6}
    f = tmp_path / "d.toml"
    f.write_text('correlation = [["heavy.occupancy", "heavy.price_cny_per_card_hour", -0.4]]\n'
                 '[heavy.occupancy]\ndist = "triangular"\nlow = 0.5\nmode = 0.8\nhigh = 0.95\n'
                 '[heavy.price_cny_per_card_hour]\ndist = "normal"\nmean = 22.5\nsd = 2\n', encoding="utf-8")
    dists, corr = mc.load_dists(f)
    assert set(dists) == {OCC, PRICE} and corr == [(OCC, PRICE, -0.4)]
    f.write_text("[heavy.occupancy]\nlow = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a table with 'dist'"):
        mc.load_dists(f)
    f.write_text("[heavy\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken TOML"):
        mc.load_dists(f)


# --------------------------------------------------------------------------- size (issue 15)
def test_streamed_draws_equal_the_kept_draws_chunk_by_chunk(seed):
    """``on_draws`` hands each chunk's inputs and results over in order (what --draws-out writes)
    instead of keeping them: concatenated they are exactly ``keep_draws``' table."""
    dists = {OCC: {"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 0.95}}
    kept = mc.run(seed, dists, 20_000, 11, keep_draws=True)
    parts: list[pd.DataFrame] = []
    streamed = mc.run(seed, dists, 20_000, 11, on_draws=lambda part: parts.append(pd.DataFrame(part)))
    assert streamed.draws is None and len(parts) == math.ceil(20_000 / mc.BLOCK)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), kept.draws)
    pd.testing.assert_frame_equal(streamed.summary, kept.summary)


def test_more_draws_than_a_run_holds_are_refused_up_front(seed):
    """1e12 draws: refused before a single draw, naming the count, the bytes (10^12 draws × 4
    default results × 8 bytes = 32 TB) and the limit."""
    assert len(mc.DEFAULT_METRICS) == 4
    with pytest.raises(mc.TooLarge) as info:
        mc.run(seed, None, 10**12, 0)
    assert str(info.value) == ("1,000,000,000,000 draws are too many: their results would take ≈ 32.0 TB; allowed: "
                               f"≤ {mc.MAX_DRAWS:,} draws per run")


def test_draws_whose_results_exceed_the_memory_are_refused(seed, monkeypatch):
    """With 1 MB of memory available (a stand-in for a small machine), 10,000 draws × 4 results ×
    8 bytes = 320 kB fit in the half allowed, 20,000 (640 kB) do not."""
    from finmodel.analysis import limits

    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 1_000_000)
    mets = ["heavy.payback_months", "heavy.npv_cny", "heavy.irr", "heavy.gross_margin"]
    assert mc.run(seed, None, 10_000, 0, metrics=mets).n == 10_000
    with pytest.raises(mc.TooLarge, match=r"the results of 20,000 draws would take ≈ 640.0 kB in memory; allowed "
                                          r"here: ≤ 500.0 kB"):
        mc.run(seed, None, 20_000, 0, metrics=mets)
