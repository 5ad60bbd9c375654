"""Issue 12, lenders' debt: the corkscrew against hand-written amortisation tables and a month-by-month
loop (the obvious twin of the closed forms), DSCR sizing, coverage, the identity debt drawn = repaid +
balance left, the statements with every debt switch on, the defaults unchanged, bad input, goal seek.

Reference figures: the seed's capex is 180万 CNY and its monthly EBITDA (157.68万 − 24万)/12 =
111,400 CNY (``assumptions/seed_fs2024.toml``, seeds.md); the rest is computed in the tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from finmodel import model, schema
from finmodel.analysis import goal_seek
from finmodel.cli import app
from finmodel.model import results
from finmodel.schema import inert

from .conftest import PLAIN_PRESETS, SEED_FILE, random_scenario
from .test_statements import assert_statements_hold

TOL = 1e-6  # CNY
F = "financing."


def _seed(**changes: Any) -> schema.Scenario:
    return schema.load(SEED_FILE).replace(changes)


def _debt(s: schema.Scenario) -> dict[str, np.ndarray]:
    r = model.evaluate(s)
    return {k: r.heavy_monthly[k].to_numpy(dtype=float) for k in r.heavy_monthly.columns} | {
        k: np.asarray(v) for k, v in r.heavy.items()}


# --------------------------------------------------------------------------- the twin: one month at a time
def loop_schedule(s: schema.Scenario, loan: float) -> dict[str, list[float]]:
    """The loan month by month in plain Python: interest on the opening balance; during a
    capitalised lead time it is added to the balance; then grace months pay interest only, and the
    repayments follow the profile, the last one paying whatever is left (the balloon included)."""
    h, f, horizon = s.heavy, s.financing, s.general.horizon_months
    r, term = h.loan_rate_per_year / 12, h.loan_term_months
    start = h.lead_time_months if f.lead_time_interest == "capitalised" else 0
    capex = h.servers * (h.server_price_cny + h.network_cost_cny + h.parts_cost_cny + h.other_infrastructure_cny)
    out: dict[str, list[float]] = {k: [0.0] for k in ("interest", "capitalised", "principal", "balloon")}
    out["closing"] = [loan]
    bal, level, step, balloon = loan, 0.0, 0.0, 0.0
    for t in range(1, horizon + 1):
        interest, cap, principal, paid_balloon = bal * r, 0.0, 0.0, 0.0
        k = t - start
        if k <= 0:
            cap = interest
        if k == f.grace_months + 1:  # the first repayment: fix the schedule on today's balance
            n = term - f.grace_months
            balloon = bal if f.repayment == "bullet" else (
                min(f.lease_buyout_share * capex, bal) if f.type == "finance_lease" else 0.0)
            step = (bal - balloon) / n
            level = ((bal - balloon) * r / (1 - (1 + r) ** -n) if r > 0 else (bal - balloon) / n) + balloon * r
        if f.grace_months < k < term:
            principal = step if f.repayment == "equal_principal" else (level - interest if f.repayment == "annuity"
                                                                         else 0.0)
        elif k == term:
            principal, paid_balloon = bal, balloon
        bal = bal + cap - principal
        for key, v in (("interest", interest), ("capitalised", cap), ("principal", principal),
                       ("balloon", paid_balloon), ("closing", bal)):
            out[key].append(v)
    return out


def assert_schedule_is_the_loop(s: schema.Scenario) -> dict[str, np.ndarray]:
    d = _debt(s)
    want = loop_schedule(s, float(d["loan_cny"]))
    for key, row in (("closing", "loan_balance_cny"), ("interest", "interest_cny"), ("principal", "debt_principal_cny"),
                     ("capitalised", "capitalised_interest_cny"), ("balloon", "debt_balloon_paid_cny")):
        np.testing.assert_allclose(d[row], want[key], rtol=1e-9, atol=TOL, err_msg=f"{s.name}: {row}")
    # the corkscrew: opening + drawdown + capitalised − principal = closing, every month
    np.testing.assert_allclose(d["debt_opening_cny"] + d["debt_drawdown_cny"] + d["capitalised_interest_cny"]
                               - d["debt_principal_cny"], d["loan_balance_cny"], rtol=0, atol=TOL)
    return d


# --------------------------------------------------------------------------- (3) hand-written tables
def test_equal_principal_with_a_grace_period_is_the_hand_written_table():
    """90万 (half the seed's 180万) at 12 %/yr (1 %/month) over 6 months, 2 of them interest only, then
    4 equal repayments of 22.5万 and interest on the balance."""
    s = _seed(**{"heavy.loan_share_of_capex": 0.5, "heavy.loan_rate_per_year": 0.12, "heavy.loan_term_months": 6,
                 F + "repayment": "equal_principal", F + "grace_months": 2})
    table = [  # month, opening, interest, principal, closing
        (1, 900_000, 9_000, 0, 900_000),
        (2, 900_000, 9_000, 0, 900_000),
        (3, 900_000, 9_000, 225_000, 675_000),
        (4, 675_000, 6_750, 225_000, 450_000),
        (5, 450_000, 4_500, 225_000, 225_000),
        (6, 225_000, 2_250, 225_000, 0),
        (7, 0, 0, 0, 0),
    ]
    d = assert_schedule_is_the_loop(s)
    for month, opening, interest, principal, closing in table:
        got = (d["debt_opening_cny"][month], d["interest_cny"][month], d["debt_principal_cny"][month],
               d["loan_balance_cny"][month])
        assert got == pytest.approx((opening, interest, principal, closing), abs=TOL), month
        assert d["debt_service_cny"][month] == pytest.approx(interest + principal, abs=TOL)
    assert float(d["loan_payment_cny"]) == pytest.approx(225_000 + 9_000)  # the first repayment month
    assert np.all(d["loan_balance_cny"][6:] == 0)


def test_annuity_with_a_grace_period_and_the_bullet():
    """The same loan as an annuity after 2 interest-only months: 4 level payments of
    90万 × 1 % ÷ (1 − 1.01⁻⁴) = 230,652.98 (Excel PMT); as a bullet: 9,000 a month and 90万 in month 6."""
    base = {"heavy.loan_share_of_capex": 0.5, "heavy.loan_rate_per_year": 0.12, "heavy.loan_term_months": 6,
            F + "grace_months": 2}
    d = assert_schedule_is_the_loop(_seed(**base))
    pmt = 900_000 * 0.01 / (1 - 1.01 ** -4)
    assert pmt == pytest.approx(230_652.98, abs=0.01)
    np.testing.assert_allclose(d["debt_service_cny"][1:8], [9_000, 9_000, pmt, pmt, pmt, pmt, 0], rtol=1e-12)
    b = assert_schedule_is_the_loop(_seed(**base, **{F + "repayment": "bullet"}))
    np.testing.assert_allclose(b["interest_cny"][1:8], [9_000] * 6 + [0], rtol=1e-12)
    assert b["debt_principal_cny"][6] == pytest.approx(900_000) and b["debt_principal_cny"][1:6].sum() == 0
    assert b["debt_balloon_paid_cny"][6] == pytest.approx(900_000)  # out of debt service (refinanced)
    assert b["debt_service_cny"][6] == pytest.approx(9_000)


def test_capitalised_lead_time_interest_compounds_then_the_term_starts():
    """3 months' lead time, capitalised: 90万 × 1.01^t, no payment; the 6-month term runs from month 4."""
    s = _seed(**{"heavy.loan_share_of_capex": 0.5, "heavy.loan_rate_per_year": 0.12, "heavy.loan_term_months": 6,
                 "heavy.lead_time_months": 3, F + "lead_time_interest": "capitalised",
                 F + "repayment": "equal_principal"})
    d = assert_schedule_is_the_loop(s)
    np.testing.assert_allclose(d["loan_balance_cny"][:4], 900_000 * 1.01 ** np.arange(4), rtol=1e-12)
    assert np.all(d["debt_service_cny"][:4] == 0) and np.all(d["interest_paid_cny"][:4] == 0)
    b0 = 900_000 * 1.01 ** 3
    assert float(d["debt_start_balance_cny"]) == pytest.approx(b0)
    assert d["debt_principal_cny"][4] == pytest.approx(b0 / 6) and d["loan_balance_cny"][9] == 0
    assert d["capitalised_interest_cny"].sum() == pytest.approx(b0 - 900_000)
    assert_statements_hold(model.evaluate(s), s.name)


def test_finance_lease_deposit_and_buy_out():
    """A lease of 80 % of 180万: 10 % deposit (18万) paid at month 0 and returned at maturity (month 36),
    a 5 % buy-out (9万) as the last repayment; the deposit sits on the balance sheet meanwhile."""
    s = _seed(**{"heavy.loan_share_of_capex": 0.8, "heavy.loan_term_months": 36, F + "type": "finance_lease",
                 F + "lease_deposit_share": 0.1, F + "lease_buyout_share": 0.05, F + "upfront_fee_share": 0.01})
    d = assert_schedule_is_the_loop(s)
    assert d["lease_deposit_paid_cny"][0] == pytest.approx(180_000) and d["lease_deposit_returned_cny"][36] == (
        pytest.approx(180_000))
    assert d["lease_deposit_cny"][35] == pytest.approx(180_000) and d["lease_deposit_cny"][36] == pytest.approx(0)
    assert float(d["debt_balloon_cny"]) == pytest.approx(90_000) and d["debt_balloon_paid_cny"][36] == (
        pytest.approx(90_000))
    assert d["debt_fee_cny"][0] == pytest.approx(0.01 * 1_440_000)
    assert d["debt_other_flow_cny"][0] == pytest.approx(-180_000 - 14_400)
    assert_statements_hold(model.evaluate(s), s.name)


# --------------------------------------------------------------------------- (4) DSCR sizing
def _flat(**changes: Any) -> schema.Scenario:
    """The seed, untaxed: CFADS is its EBITDA, 111,400 CNY every month from month 1."""
    return _seed(**{"general.tax_rate": 0.0, "heavy.loan_rate_per_year": 0.06, "heavy.loan_term_months": 12,
                    F + "sizing": "target_dscr", F + "target_dscr": 1.3, **changes})


def test_the_dscr_sized_loan_meets_its_target_exactly_when_the_cap_does_not_bind():
    d = _debt(_flat())
    assert np.allclose(d["cfads_pre_tax_cny"][1:], 111_400) and np.allclose(d["cfads_cny"][1:], 111_400)
    pv = sum(111_400 / 1.005 ** t for t in range(1, 13))  # 12 months at 6 %/yr ÷ 12
    assert float(d["debt_capacity_cny"]) == pytest.approx(pv / 1.3, rel=1e-12)
    assert float(d["dscr_sized_debt_cny"]) == float(d["loan_cny"]) == pytest.approx(pv / 1.3, rel=1e-12)
    assert float(d["loan_cny"]) < 0.85 * 1_800_000  # the cap does not bind
    assert abs(float(d["min_dscr"]) - 1.3) <= 1e-9 and abs(float(d["average_dscr"]) - 1.3) <= 1e-9
    assert float(d["llcr"]) == pytest.approx(1.3, rel=1e-12)  # untaxed CFADS: the LLCR is the sizing ratio
    assert float(d["months_below_covenant"]) == 0 and float(d["covenant_breach"]) == 0
    assert_statements_hold(model.evaluate(_flat()), "dscr-sized")


def test_the_cap_binds_at_the_maximum_loan_to_cost():
    d = _debt(_flat(**{F + "max_loan_to_cost": 0.3}))
    assert float(d["loan_cny"]) == pytest.approx(540_000)  # 30 % of 180万
    pmt = 540_000 * 0.005 / (1 - 1.005 ** -12)
    assert float(d["min_dscr"]) == pytest.approx(111_400 / pmt, rel=1e-12) and float(d["min_dscr"]) > 1.3
    taxed = _debt(_flat(**{"general.tax_rate": 0.25}))  # sized on pre-tax CFADS: the tax takes DSCR below target
    assert float(taxed["min_dscr"]) < 1.3 and float(taxed["loan_cny"]) == pytest.approx(float(d["debt_capacity_cny"]))


def test_coverage_rows_are_the_ratios_of_the_rows():
    """Monthly DSCR, trailing 12 months, months below covenant and LLCR recomputed from CFADS and
    debt service (a 90 % equal-principal loan over 30 months at 15 %, taxed: some months fail 1.6×)."""
    s = _seed(**{"heavy.loan_share_of_capex": 0.9, "heavy.loan_term_months": 30, "heavy.loan_rate_per_year": 0.15,
                 "general.tax_rate": 0.25, F + "repayment": "equal_principal", F + "covenant_dscr": 1.6})
    d = _debt(s)
    cf, ds = d["cfads_cny"], d["debt_service_cny"]
    on = ds > 0
    assert on.sum() == 30
    np.testing.assert_allclose(d["dscr"][on], cf[on] / ds[on], rtol=1e-12)
    assert np.isnan(d["dscr"][~on]).all()
    trailing = [cf[max(0, t - 11): t + 1].sum() / ds[max(0, t - 11): t + 1].sum() for t in np.flatnonzero(on)]
    np.testing.assert_allclose(d["dscr_12m"][on], trailing, rtol=1e-12)
    below = int(((cf / np.where(on, ds, 1) < 1.6) & on).sum())
    assert 0 < below < 30 and float(d["months_below_covenant"]) == below and float(d["covenant_breach"]) == 1
    assert float(d["min_dscr"]) == pytest.approx(min(cf[on] / ds[on]), rel=1e-12)
    assert float(d["average_dscr"]) == pytest.approx(np.mean(cf[on] / ds[on]), rel=1e-12)
    pv = sum(cf[t] / (1 + 0.15 / 12) ** t for t in range(1, 31))
    assert float(d["llcr"]) == pytest.approx(pv / (0.9 * 1_800_000), rel=1e-12)


def test_no_debt_no_coverage():
    r = model.evaluate(_seed())
    for key in ("min_dscr", "average_dscr", "llcr", "covenant_breach"):
        assert math.isnan(r.heavy[key]), key
        assert results.metric_info(f"heavy.{key}").nan_means == "n/a"
    assert r.heavy["months_below_covenant"] == 0


# --------------------------------------------------------------------------- identities, random deals
def random_financing(rng: np.random.Generator, s: schema.Scenario) -> schema.Scenario:
    """``s`` with every [financing] term drawn (a loan is always there)."""
    term = s.heavy.loan_term_months
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    changes = {F + "type": pick(["loan", "finance_lease"]),
               F + "repayment": pick(["annuity", "equal_principal", "bullet"]),
               F + "grace_months": int(rng.integers(0, min(term, 61))),
               F + "lead_time_interest": pick(["paid", "capitalised"]),
               F + "upfront_fee_share": float(rng.uniform(0, 0.03)),
               F + "sizing": pick(["loan_to_cost", "target_dscr"]),
               F + "target_dscr": float(rng.uniform(1.0, 2.0)),
               F + "max_loan_to_cost": float(rng.uniform(0.3, 0.9)),
               F + "covenant_dscr": float(rng.uniform(1.0, 1.5)),
               F + "lease_deposit_share": float(rng.uniform(0, 0.15)),
               F + "lease_buyout_share": float(rng.uniform(0, 0.2))}
    if s.heavy.loan_share_of_capex == 0:
        changes["heavy.loan_share_of_capex"] = 0.6
    return s.replace(changes)


@pytest.mark.parametrize("seed", range(40))
def test_random_deals_balance_and_settle(seed):
    rng = np.random.default_rng(1200 + seed)
    s = random_financing(rng, random_scenario(rng))
    d = assert_schedule_is_the_loop(s)
    drawn = d["debt_drawdown_cny"].sum() + d["capitalised_interest_cny"].sum()
    repaid, left = d["debt_principal_cny"].sum(), -d["settlement_cny"].sum()
    assert drawn == pytest.approx(repaid + left, rel=1e-12, abs=TOL)  # debt drawn = repaid + balance left
    assert abs(d["debt_flow_cny"].sum() + d["settlement_cny"].sum()) <= 1e-9 * max(drawn, 1)  # the workbook's check
    assert_statements_hold(model.evaluate(s), s.name)


# --------------------------------------------------------------------------- defaults unchanged
@pytest.mark.parametrize("path", PLAIN_PRESETS, ids=[p.stem for p in PLAIN_PRESETS])
def test_every_preset_is_unchanged_by_the_default_financing(path):
    """A file without [financing] = the same file with every term written at its default, bit for
    bit; and its loan is the annuity from month 1 of the model before issue 12 (a plain loop)."""
    s = schema.load(path)
    written = s.replace({p: spec.default for p, spec in schema.FIELDS.items() if spec.section == "financing"})
    a, b = model.evaluate(s), model.evaluate(written)
    assert a.heavy.keys() == b.heavy.keys()
    for k in a.heavy:
        assert (math.isnan(a.heavy[k]) and math.isnan(b.heavy[k])) or a.heavy[k] == b.heavy[k], k
    assert a.heavy_monthly.equals(b.heavy_monthly)
    h = s.heavy
    loan, r, n = a.heavy["capex_cny"] * h.loan_share_of_capex, h.loan_rate_per_year / 12, h.loan_term_months
    pmt = (loan * r / (1 - (1 + r) ** -n) if r > 0 else loan / n) if loan else 0.0
    bal = [loan]
    for t in range(1, s.general.horizon_months + 1):
        bal.append(max(bal[-1] * (1 + r) - pmt, 0.0) if t < n else 0.0)
    np.testing.assert_allclose(a.heavy_monthly["loan_balance_cny"], bal, rtol=1e-9, atol=TOL)
    assert a.heavy["loan_payment_cny"] == pytest.approx(pmt, rel=1e-12)
    assert not np.any(a.heavy_monthly["debt_other_flow_cny"].to_numpy())  # the equity flow's new term is 0


# --------------------------------------------------------------------------- bad input, inert inputs
@pytest.mark.parametrize(("section", "bad", "line"), [
    ("financing", "target_dscr = 0.0",
     "financing.target_dscr = 0.0: out of range; allowed: a number, 0 < value ≤ 10 [×]"),
    ("financing", "target_dscr = -1.3",
     "financing.target_dscr = -1.3: out of range; allowed: a number, 0 < value ≤ 10"),
    ("financing", "grace_months = 36", "financing.grace_months = 36: out of range; allowed: an integer, 0 ≤ value < "
     "heavy.loan_term_months (36) [months]"),
    ("financing", "grace_months = 50", "financing.grace_months = 50: out of range; allowed: an integer, 0 ≤ value < "
     "heavy.loan_term_months (36)"),
])
def test_bad_debt_terms_are_one_error_line(tmp_path, section, bad, line):
    text = f"[general]\n[heavy]\nloan_share_of_capex = 0.5\n[light]\n[{section}]\n{bad}\n"
    with pytest.raises(schema.ScenarioError) as err:
        schema.parse_toml(text)
    assert len(err.value.problems) == 1 and str(err.value.problems[0]).startswith(line)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code != 0
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and line in errors[0], res.stderr


def test_inert_debt_terms_warn():
    s = schema.validate({"general": {}, "heavy": {"loan_share_of_capex": 0.5}, "light": {},
                         "financing": {"target_dscr": 1.4, "lease_deposit_share": 0.1, "grace_months": 0}})
    texts = [w.text() for w in inert.warnings(s)]
    assert texts == ["financing.target_dscr has no effect while financing.sizing = 'loan_to_cost'",
                     "financing.lease_deposit_share has no effect while financing.type = 'loan'"]
    sized = schema.validate({"general": {}, "heavy": {"loan_share_of_capex": 0.5}, "light": {},
                             "financing": {"sizing": "target_dscr"}})
    assert [w.path for w in inert.warnings(sized)] == ["heavy.loan_share_of_capex"]
    none = schema.validate({"general": {}, "heavy": {}, "light": {}, "financing": {"repayment": "bullet"}})
    assert [w.text() for w in inert.warnings(none)] == [
        "financing.repayment has no effect while heavy.loan_share_of_capex = 0 and financing.sizing = 'loan_to_cost' "
        "(no debt)"]


# --------------------------------------------------------------------------- analyses
def test_goal_seek_the_price_for_a_minimum_dscr_of_1_3():
    s = _seed(**{"heavy.loan_share_of_capex": 0.8, "general.tax_rate": 0.25, F + "repayment": "equal_principal"})
    (res,) = goal_seek.solve_many(s, "heavy.price_cny_per_card_hour", "heavy.min_dscr", [1.3])
    assert res.converged and 5 < res.value < 22.5
    got = model.evaluate(s.replace({"heavy.price_cny_per_card_hour": res.value})).heavy["min_dscr"]
    assert got == pytest.approx(1.3, rel=1e-6)


def test_a_sweep_gives_each_scenario_its_own_coverage():
    s = _flat(**{F + "max_loan_to_cost": 0.6})
    prices = np.array([10.0, 22.5, 40.0])
    params, horizon = model.batch_params(s, {"heavy.price_cny_per_card_hour": prices})
    keys = ["heavy.min_dscr", "heavy.loan_cny", "heavy.dscr_sized_debt_cny", "heavy.llcr",
            "heavy.months_below_covenant"]
    b = model.evaluate_batch(params, horizon, outputs=keys)
    for i, p in enumerate(prices):
        one = model.evaluate(s.replace({"heavy.price_cny_per_card_hour": float(p)})).heavy
        for k in keys:
            assert b.heavy[k.split(".")[1]][i] == pytest.approx(one[k.split(".")[1]], rel=1e-12), (p, k)
