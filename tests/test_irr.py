"""The vectorised IRR against numpy-financial (np.roots of the NPV polynomial), row by row."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.model import irr as irr_mod
from finmodel.model.irr import irr, npv_at, sign_changes


def npf_rows(cf: np.ndarray) -> np.ndarray:
    return np.array([npf.irr(row) for row in cf])


def npv(rate: float, cf: np.ndarray) -> float:
    return float(np.sum(cf / (1 + rate) ** np.arange(cf.size)))


def test_docstring_example_and_textbook_values():
    # numpy-financial's own documented examples
    assert float(irr([-100, 39, 59, 55, 20])) == pytest.approx(0.28095, abs=5e-6)
    assert float(irr([-100, 0, 0, 74])) == pytest.approx(-0.0955, abs=5e-5)
    assert float(irr([-100, 100, 0, -7])) == pytest.approx(-0.0833, abs=5e-5)
    assert float(irr([-100, 100, 0, 7])) == pytest.approx(0.06206, abs=5e-6)
    assert float(irr([-5, 10.5, 1, -8, 1])) == pytest.approx(0.0886, abs=5e-5)


def test_conventional_monthly_flows_match_numpy_financial():
    """Investment then 60 months of income, some loss-making (negative IRR), some with a lead time
    (zero months) and a terminal value: exactly one IRR each, equal to numpy-financial's."""
    rng = np.random.default_rng(11)
    n, T = 400, 61
    cf = np.zeros((n, T))
    cf[:, 0] = -rng.uniform(5e5, 3e6, n)
    lead = rng.integers(0, 6, n)
    monthly = rng.uniform(2e3, 2e5, n)
    for i in range(n):
        cf[i, 1 + lead[i]:] = monthly[i] * rng.uniform(0.8, 1.2, T - 1 - lead[i])
    cf[:, -1] += rng.uniform(0, 5e5, n)
    assert np.all(sign_changes(cf) == 1)
    ours, ref = irr(cf), npf_rows(cf)
    assert np.all(np.isfinite(ref)) and np.all(np.isfinite(ours))
    assert np.max(np.abs(ours - ref)) < 1e-9
    assert (ours < 0).any() and (ours > 0).any()  # both signs exercised


def test_random_flows_agree_where_both_find_a_root():
    """Random short flows with several sign changes (several IRRs possible): where both return a
    rate it is the same root (the one nearest zero) to 1e-9; rows only numpy-financial solves are
    roots outside the grid or pairs of roots closer than its spacing (documented limits)."""
    rng = np.random.default_rng(5)
    cf = rng.normal(size=(1500, 9))
    cf[:, 0] -= 1.5
    ours, ref = irr(cf), npf_rows(cf)
    both = np.isfinite(ours) & np.isfinite(ref)
    assert both.sum() > 1000
    assert np.max(np.abs(ours[both] - ref[both])) < 1e-9
    # NaN where numpy-financial finds no real root
    assert not np.any(np.isfinite(ours) & np.isnan(ref))
    for i in np.flatnonzero(np.isnan(ours) & np.isfinite(ref)):
        roots = np.roots(cf[i][::-1])
        real = np.sort(1 / roots[(roots.imag == 0) & (roots.real > 0)].real - 1)
        close_pair = np.any(np.diff(real) < 0.05 * np.maximum(np.abs(real[:-1]), 1e-4))
        assert ref[i] < irr_mod._MIN_RATE or close_pair, (cf[i], real)
    # every rate returned is a root: NPV ≈ 0 relative to the flows' size
    for i in np.flatnonzero(np.isfinite(ours))[:200]:
        assert abs(npv(ours[i], cf[i])) < 1e-9 * np.abs(cf[i]).sum() * max(1, (1 + ours[i]) ** -cf.shape[1])


def test_multiple_irrs_returns_the_one_nearest_zero_like_numpy_financial():
    cf = np.array([-50.0, -100, 600, 300, -100])  # IRRs −76.9 % and +185.4 % (ecosystem notes §6)
    assert float(irr(cf)) == pytest.approx(float(npf.irr(cf)), abs=1e-12)
    assert float(irr(cf)) == pytest.approx(-0.769, abs=1e-3)


@pytest.mark.parametrize("row", [
    [100.0, 50, 20],  # inflows only
    [-100.0, -5, -1],  # outflows only
    [0.0, 0, 0],  # nothing
    [-100.0, np.nan, 120],  # not finite
    [-100.0, np.inf, 120],
    [-1.0, 0.25],  # root at −75 % ... exists
])
def test_no_irr_is_nan_and_edge_rows(row):
    ours = float(irr(row))
    ref = npf.irr(np.asarray(row)) if np.all(np.isfinite(row)) else np.nan
    if np.isnan(ref):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(ref, abs=1e-12)


def test_exact_root_on_the_grid_and_at_zero():
    assert float(irr([-100.0, 100.0])) == 0.0  # the root is exactly 0 %, a grid point
    assert float(irr([-100.0, 110.0])) == pytest.approx(0.1, abs=1e-14)


def test_shapes_broadcast_like_a_ufunc():
    rng = np.random.default_rng(0)
    cf = rng.normal(size=(2, 3, 12))
    cf[..., 0] = -5
    cf[..., 1:] = np.abs(cf[..., 1:])
    out = irr(cf)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.reshape(-1), irr(cf.reshape(6, 12)), rtol=0, atol=0)
    assert irr(np.array([-1.0, 2.0])).shape == ()
    assert irr(np.zeros((0, 5))).shape == (0,)
    assert np.isnan(irr(np.array([[-1.0]])))[0]  # one period: no rate


def test_bad_rows_do_not_disturb_good_ones():
    cf = np.array([[-100.0, 60, 60], [np.nan, 1, 1], [1.0, 1, 1], [-100.0, 60, 60]])
    out = irr(cf)
    assert np.isnan(out[1]) and np.isnan(out[2])
    assert out[0] == out[3] == pytest.approx(npf.irr(cf[0]), abs=1e-12)


def test_npv_at_value_and_derivative():
    cf = np.array([[-100.0, 30, 40, 50, 20], [-10.0, 0, 0, 0, 12]])
    r = np.array([0.07, -0.02])
    f, df = npv_at(r, cf)
    for i in range(2):
        assert f[i] == pytest.approx(npv(r[i], cf[i]), rel=1e-13)
        h = 1e-6
        fd = (npv(r[i] + h, cf[i]) - npv(r[i] - h, cf[i])) / (2 * h)
        assert df[i] == pytest.approx(fd, rel=1e-6)


def test_sign_changes_skip_zeros():
    cf = np.array([[-1.0, 0, 0, 2, 0, 3], [1.0, -1, 0, 1, -1, 0], [0.0, 0, 0, 0, 0, 0]])
    assert sign_changes(cf).tolist() == [1, 3, 0]


def test_large_scale_rows_do_not_overflow():
    cf = np.array([[-1e300, 0, 0, 2e300], [-1e-300, 0, 0, 2e-300]])
    expected = 2 ** (1 / 3) - 1
    np.testing.assert_allclose(irr(cf), [expected, expected], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=30),
       st.floats(1.0, 1e7))
def test_property_a_returned_rate_is_a_root(flows, invest):
    cf = np.array([-invest, *flows])
    r = float(irr(cf))
    if np.isfinite(r):
        disc = (1 + r) ** -np.arange(cf.size)
        assert abs(np.sum(cf * disc)) <= 1e-8 * np.sum(np.abs(cf) * disc)
        assert r > -1


def test_every_reported_irr_is_a_root_even_on_steep_rows():
    """Regression: safeguarded Newton used to crawl across very steep NPVs (IRR ≈ −55 %/month,
    120-month rows) without leaving its bracket and stop away from the root (residual ~1 %)."""
    import math

    from finmodel import model
    from finmodel.model.irr import irr

    from .conftest import random_scenario

    rng = np.random.default_rng(7)
    checked = steep = 0
    for _ in range(300):
        s = random_scenario(rng, horizon=int(rng.choice([24, 36, 60, 120])))
        r = model.evaluate(s)
        rows = (("heavy", "equity_cash_flow_with_terminal_cny"), ("heavy", "project_cash_flow_with_terminal_cny"),
                ("light", "cash_flow_cny"))
        for m, row in rows:
            cf = getattr(r, m + "_monthly")[row].to_numpy()
            rate = irr(cf[None, :])[0]
            if math.isnan(rate):
                continue
            terms = cf * (1 + rate) ** -np.arange(cf.size)
            assert abs(terms.sum()) <= 1e-11 * np.abs(terms).sum(), (m, rate)
            checked += 1
            steep += rate < -0.5
    assert checked > 300 and steep >= 3  # the deeply negative rows that used to fail are in the sample


def _fine(cf: np.ndarray) -> np.ndarray:
    """IRR of each row on the fine grid alone (what every row with several sign changes got before
    the cumulative-sum rule), scaled as :func:`irr` scales it."""
    T = cf.shape[1]
    A, B = irr_mod._block_shape(T)
    rows = np.zeros((cf.shape[0], A * B))
    rows[:, :T] = cf / np.abs(cf).max(axis=1, keepdims=True)
    return irr_mod._solve(rows, *irr_mod._grid(T, True), (A, B), 1e-13, 80)


def test_deal_flows_with_one_cumulative_sign_change_each_way_take_the_coarse_grid():
    """A take-or-pay deal's equity flows change sign many times (a prepayment, a grant, a deposit
    returned at the end), but their cumulative sums change sign once forwards and at most once
    backwards: at most one IRR on each side of zero (Norstrom 1972), so the coarse grid finds the
    same root as the fine one, and numpy-financial's."""
    rng = np.random.default_rng(12)
    n, T = 400, 61
    cf = rng.uniform(10.0, 40.0, (n, T))
    cf[:, 0] = -rng.uniform(800.0, 2000.0, n)  # the servers
    cf[:, 1:4] = -rng.uniform(5.0, 20.0, (n, 3))  # the lead time's costs
    cf[:, 12] += 200.0  # a capex grant
    cf[:, 40] -= rng.uniform(100.0, 300.0, n)  # a large repair
    cf[:, -1] -= 150.0  # the deposit returned ...
    cf[:, -1] += rng.uniform(0.0, 400.0, n)  # ... and the resale value
    assert (sign_changes(cf) > 1).all()
    forwards, backwards = sign_changes(np.cumsum(cf, axis=1)), sign_changes(np.cumsum(cf[:, ::-1], axis=1))
    cleared = (forwards <= 1) & (backwards <= 1)
    assert 0.5 < cleared.mean() < 1  # some rows turn cumulative-negative again at the repair
    one, many = irr_mod._classify(cf)
    np.testing.assert_array_equal(one, cleared)
    np.testing.assert_array_equal(many, ~cleared)
    ours = irr(cf)
    assert np.isfinite(ours[cleared]).mean() > 0.9
    np.testing.assert_allclose(ours, _fine(cf), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(ours, npf_rows(cf), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("row, why", [
    ([-1.0, 3.0, -2.0001], "cumulative −1, 2, −0.0001: two changes, two IRRs above zero"),
    ([-2.0, 1.0, 1.0, 1.0, -0.5], "a cumulative sum of exactly 0 after the first flow: its sign is unknown"),
    ([-1.0, 1.0 + 1e-15, 0.5, -0.5], "a cumulative sum within rounding of 0"),
])
def test_rows_the_cumulative_rule_cannot_clear_keep_the_fine_grid(row, why):
    one, many = irr_mod._classify(np.array([row]))
    assert many[0] and not one[0], why
    ref = npf.irr(np.asarray(row))
    assert float(irr(row)) == pytest.approx(ref, abs=1e-10) if np.isfinite(ref) else np.isnan(float(irr(row)))


def test_leading_and_trailing_zero_flows_do_not_count_as_unknown_signs():
    cf = np.array([[0.0, 0.0, -100.0, 30.0, -5.0, 60.0, 40.0, 0.0, 0.0]])
    one, many = irr_mod._classify(cf)
    assert one[0] and not many[0]
    assert float(irr(cf)[0]) == pytest.approx(float(npf.irr(cf[0])), abs=1e-12)


def test_a_far_side_bracket_is_not_polished_and_the_nearer_root_is_kept():
    cf = np.array([-50.0, -100, 600, 300, -100])  # one IRR each side: −76.9 % and +185.4 %
    calls = []
    polish = irr_mod._polish
    try:
        irr_mod._polish = lambda blocks, *a: calls.append(blocks.shape[0]) or polish(blocks, *a)
        r = float(irr(cf))
    finally:
        irr_mod._polish = polish
    assert r == pytest.approx(float(npf.irr(cf)), abs=1e-12)
    assert calls == [1]  # the +185 % bracket lies wholly farther from zero than the −76.9 % one
