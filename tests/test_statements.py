"""Issue 13, the three statements in the engine: the balance sheet balances every month, the
cash-flow statement's closing cash is the balance sheet's cash, and every balance-sheet line is the
roll-forward of flows the model already has — on every preset, on random scenarios (hypothesis) and
on the cases that stress the horizon: loans left over, tax losses, terminal values above and below
book value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import model, schema
from finmodel.model import reports

from .conftest import PRESETS, SEED_FILE, random_scenario

TOL_CNY = 1e-6  # the tolerance: the balance sheet balances to 1e-6 CNY every month
MODELS = ("heavy", "light")
HYPOTHESIS = settings(max_examples=40, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow])


def _seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


def rows(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """A monthly table as its columns (numpy arrays)."""
    return {str(k): table[k].to_numpy(dtype=float) for k in table.columns if table[k].dtype.kind in "fiu"}


def assert_statements_hold(r: model.Result, name: str = "") -> None:
    """The identities every scenario's statements satisfy, each checked against rows computed
    elsewhere in the model (not only the check row against itself)."""
    h, li = rows(r.heavy_monthly), rows(r.light_monthly)
    horizon = int(h["horizon_end"].argmax())
    for m, monthly in (("heavy", r.heavy_monthly), ("light", r.light_monthly)):
        bs = rows(reports.statement(monthly, m, "balance"))
        cfs = rows(reports.statement(monthly, m, "cash_flow"))
        liabilities = bs.get("total_liabilities_cny", 0.0)
        # assets = liabilities + equity, every month, recomputed from the printed lines
        gap = bs["total_assets_cny"] - liabilities - bs["total_equity_cny"]
        assert np.abs(gap).max() <= TOL_CNY, (name, m, float(np.abs(gap).max()))
        assert np.abs(bs["balance_check_cny"]).max() <= TOL_CNY, (name, m)
        # closing cash of the cash-flow statement = the balance sheet's cash = opening + net change
        assert np.array_equal(cfs["closing_cash_cny"], bs["closing_cash_cny"])
        opening = np.r_[0.0, cfs["closing_cash_cny"][:-1]]
        assert np.allclose(cfs["opening_cash_cny"], opening, rtol=0, atol=TOL_CNY)
        assert np.allclose(cfs["opening_cash_cny"] + cfs["net_cash_flow_cny"], cfs["closing_cash_cny"],
                           rtol=0, atol=TOL_CNY)
        # equity = paid-in + retained; retained = Σ net income (the statements' net income)
        assert np.allclose(bs["paid_in_equity_cny"] + bs["retained_earnings_cny"], bs["total_equity_cny"],
                           rtol=0, atol=TOL_CNY)
    # the statements' cash flows add up to the model's own equity flow (NPV and IRR read that row):
    # operating + investing + debt = what the shareholders receive (+) or put in (−)
    for m, monthly, flow in (("heavy", h, "equity_cash_flow_with_terminal_cny"), ("light", li, "cash_flow_cny")):
        before_equity = monthly["operating_cash_flow_cny"] + monthly["investing_cash_flow_cny"] + monthly.get(
            "debt_cash_flow_cny", 0.0)
        assert np.allclose(before_equity, monthly[flow], rtol=0, atol=TOL_CNY), (name, m)
        assert np.allclose(monthly["equity_distribution_cny"] - monthly["equity_contribution_cny"], monthly[flow],
                           rtol=0, atol=0)
        assert ((monthly["equity_contribution_cny"] >= 0) & (monthly["equity_distribution_cny"] >= 0)).all()
    # heavy: the roll-forwards are the model's book value and loan balance until the horizon, where
    # the servers are sold and the loan repaid: the closing balance sheet of the horizon is empty
    within = np.arange(h["horizon_end"].size) < horizon
    assert np.allclose(h["net_fixed_assets_cny"][within], h["book_value_cny"][within], rtol=1e-12, atol=TOL_CNY)
    assert np.allclose(h["debt_balance_cny"][within], h["loan_balance_cny"][within], rtol=1e-12, atol=TOL_CNY)
    after = ~within
    for key in ("net_fixed_assets_cny", "debt_balance_cny", "total_assets_cny", "total_equity_cny"):
        assert np.abs(h[key][after]).max() <= TOL_CNY, (name, key)
    # light: the platform stays on the books at its net value
    assert np.allclose(li["net_fixed_assets_cny"],
                       np.cumsum(li["investment_cny"] - li["amortisation_cny"]), rtol=0, atol=TOL_CNY)
    # retained earnings at the horizon = the income statement's total net income
    assert abs(h["retained_earnings_cny"][-1] - h["net_income_after_disposal_cny"].sum()) <= TOL_CNY
    assert abs(h["net_income_after_disposal_cny"].sum()
               - (h["net_income_cny"] + h["disposal_gain_cny"] - h["disposal_tax_cny"]).sum()) <= TOL_CNY


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_statements_hold_on_every_preset(path):
    s = schema.load(path)
    assert_statements_hold(model.evaluate(s), s.name)


@given(st.integers(0, 2**32 - 1), st.sampled_from([None, 1, 12, 24, 61, 120]))
@HYPOTHESIS
def test_statements_hold_on_random_scenarios(seed, horizon):
    s = random_scenario(np.random.default_rng(seed), horizon=horizon)
    assert_statements_hold(model.evaluate(s), s.name)


def test_balance_check_is_zero_across_a_batch():
    """One vectorised evaluation of 200 what-ifs of the seed (loan, rate, term, tax, price,
    occupancy, horizon each varied, horizons differing per row): the check row is 0 everywhere,
    also past each row's own horizon."""
    rng = np.random.default_rng(13)
    n = 200
    over = {"heavy.loan_share_of_capex": rng.uniform(0, 1, n), "heavy.loan_rate_per_year": rng.uniform(0, 0.2, n),
            "heavy.loan_term_months": rng.integers(1, 121, n), "general.tax_rate": rng.choice([0, 0.15, 0.25], n),
            "heavy.price_cny_per_card_hour": rng.uniform(2, 40, n), "heavy.occupancy": rng.uniform(0, 1, n),
            "general.horizon_months": rng.integers(1, 97, n)}
    params, horizon = model.batch_params(_seed(), over)
    b = model.evaluate_batch(params, horizon, rows=True)
    for m in MODELS:
        check = getattr(b, m)["balance_check_cny"]
        assert check.shape == (n, b.horizon_months + 1)
        assert np.abs(check).max() <= TOL_CNY, m
        assert np.abs(getattr(b, m)["net_cash_flow_cny"]).max() <= TOL_CNY, m
    assert (b.heavy["settlement_cny"] < -1).any()  # some rows repay a loan balance at their horizon


# ---- the cases that stress the horizon, each shown to happen -------------------------------------
def test_loan_left_at_the_horizon_is_repaid_in_financing():
    """60 % loan over 84 months, 60-month horizon: the balance left is repaid at the horizon (the
    issue's ¥343,939), in the cash-flow statement's financing; debt drawn = repaid + settled."""
    s = _seed().replace({"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    settled = -h["settlement_cny"].sum()
    assert settled == pytest.approx(343_939, abs=1)  # issue 13's figure for this case
    drawn = np.clip(h["debt_flow_cny"], 0, None).sum()
    repaid = -np.clip(h["debt_flow_cny"], None, 0).sum()
    assert drawn == pytest.approx(0.6 * 1_800_000, abs=1e-6)  # 60 % of the seed's 180万 capex
    assert drawn == pytest.approx(repaid + settled, abs=TOL_CNY)
    assert h["debt_cash_flow_cny"][60] == pytest.approx(h["debt_flow_cny"][60] - settled, abs=TOL_CNY)
    # the last scheduled payment, then the rest: month 59's balance is gone at 60
    assert h["debt_balance_cny"][59] + h["debt_flow_cny"][60] == pytest.approx(settled, abs=TOL_CNY)
    assert_statements_hold(r, s.name)


def test_tax_losses_carried_forward():
    """A loss-making start with 25 % tax: months of negative pre-tax profit pay no tax, later
    profit is taxed only once the losses are used; the balance still holds (tax paid = tax expense:
    the model carries no deferred tax)."""
    s = _seed().replace({"general.tax_rate": 0.25, "heavy.loan_share_of_capex": 0.8, "heavy.loan_rate_per_year": 0.1,
                         "heavy.occupancy_start": 0.05, "heavy.ramp_months": 18, "heavy.depreciation_method":
                         "declining_balance"})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    assert (h["ebt_cny"] < 0).sum() >= 3 and (h["tax_cny"] > 0).any()
    first_tax = int(np.argmax(h["tax_cny"] > 0))
    assert h["ebt_cny"][: first_tax + 1].sum() > 0  # taxed only once cumulative profit is positive
    assert_statements_hold(r, s.name)


@pytest.mark.parametrize(("method", "changes", "sign"), [
    ("resale_fraction", {"heavy.resale_fraction_of_capex": 0.5}, 1),  # sold above book value: a gain
    ("book_value", {"heavy.terminal_value_fraction": 0.3}, -1),  # 30 % of book value: a loss
])
def test_terminal_value_gain_or_loss_at_the_horizon(method, changes, sign):
    """The servers are sold at the horizon: the gain (loss) and its tax in the income statement, the
    proceeds in investing, the book value out of the fixed assets; the closing balance sheet is empty."""
    s = _seed().replace({"general.horizon_months": 36, "general.tax_rate": 0.25,
                         "heavy.terminal_value_method": method, **changes})
    r = model.evaluate(s)
    h = rows(r.heavy_monthly)
    gain = h["disposal_gain_cny"][36]
    assert np.sign(gain) == sign
    assert gain == pytest.approx(h["terminal_value_cny"][36] - h["book_value_cny"][36], abs=TOL_CNY)
    assert h["disposal_book_value_cny"][36] == pytest.approx(h["book_value_cny"][36])
    assert h["investing_cash_flow_cny"][36] == pytest.approx(h["terminal_value_cny"][36])
    assert h["net_fixed_assets_cny"][35] > 0 and h["net_fixed_assets_cny"][36] == pytest.approx(0, abs=1e-6)
    assert_statements_hold(r, s.name)


def test_seed_statements_read_like_the_seed():
    """The seed (no tax, no loan; seeds.md): a month of revenue 157.68万/12 = 131,400, cash cost
    24万/12 = 20,000, depreciation 36万/12 = 30,000, so net income 81,400; 180万 of servers on the
    balance sheet at month 0, all paid in by the shareholders."""
    r = model.evaluate(_seed())
    inc = r.income_statement
    month = inc.iloc[12]
    assert month["revenue_cny"] == pytest.approx(1_576_800 / 12)  # 157.68万/yr (seeds.md)
    assert month["cash_cost_cny"] == pytest.approx(240_000 / 12)  # 24万/yr
    assert month["depreciation_cny"] == pytest.approx(360_000 / 12)  # 36万/yr
    assert month["net_income_cny"] == pytest.approx((1_576_800 - 240_000 - 360_000) / 12)
    assert list(r.balance_sheet.columns[:3]) == list(reports.PERIOD_COLUMNS)
    bs = rows(r.balance_sheet)
    assert bs["net_fixed_assets_cny"][0] == pytest.approx(1_800_000)  # 180万 capex on day 0
    assert bs["paid_in_equity_cny"][0] == pytest.approx(1_800_000)  # all equity-funded
    assert isinstance(r.cash_flow_statement, pd.DataFrame)


def test_a_missing_flow_breaks_the_check():
    """The check is not true by construction: leave one flow out of a balance's roll-forward (the
    book value sold at a 36-month horizon) and it fails by exactly that amount at the horizon."""
    h = rows(model.evaluate(_seed().replace({"general.horizon_months": 36})).heavy_monthly)
    wrong_fixed_assets = np.cumsum(h["investment_cny"] - h["depreciation_cny"])  # no disposal
    gap = h["closing_cash_cny"] + wrong_fixed_assets - h["debt_balance_cny"] - h["total_equity_cny"]
    assert np.abs(gap[:36]).max() <= TOL_CNY
    assert gap[36] == pytest.approx(h["book_value_cny"][36]) and gap[36] > 1
