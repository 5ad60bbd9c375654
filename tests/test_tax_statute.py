"""Issue 12, income tax as the statute works (``[tax]``), subsidies (``[subsidy]``), cost escalation
and spare servers (``[escalation]``) — each against a plain-Python calculation written out here.

The statute (docs/deal_tax.md): 企业所得税法 Art. 18 (losses carried forward at most five years),
Caishui [2018] No. 76 (ten for HNTE/TSME), Art. 53-54 (the calendar tax year; monthly provisional
payments; settlement within five months of the year end), MOF/STA Announcement 2023 No. 37 (one-off
deduction of equipment ≤ 5M CNY bought 2024-2027), Implementation Regulations Art. 28, 59, 60, 98.

The reference :func:`statute_tax` keeps explicit loss vintages (a list, oldest first) and walks the
months; it reads only the engine's pre-tax profit and book depreciation (upstream lines the seed's
golden tests pin) and the inputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from finmodel import model, schema

from .conftest import PLAIN_PRESETS, SEED_FILE, random_scenario
from .test_hostile_inputs import assert_refused, invoke, seed_with, write

SEED = schema.load(SEED_FILE)
# a thin margin: one server at a low price, so a year-1 loss takes longer than five years to absorb
THIN = SEED.replace({"heavy.servers": 1, "heavy.price_cny_per_card_hour": 6.0, "general.tax_rate": 0.25,
                     "general.start_date": "2025-01", "general.horizon_months": 120,
                     "tax.one_off_deduction": "on"})


def rows(s: schema.Scenario, *keys: str) -> list[np.ndarray]:
    df = model.evaluate(s).heavy_monthly
    return [df[k].to_numpy(dtype=float) for k in keys]


def statute_tax(s: schema.Scenario, income: list[float]) -> tuple[list[float], dict[str, Any]]:
    """Tax paid each month by the statute's rules on the monthly taxable income before losses; a plain
    loop over months with the loss vintages as a list. Returns the tax row and what happened."""
    rate, h = s.general.tax_rate, s.general.horizon_months
    limit = None if s.tax.loss_carry_forward == "unlimited" else (
        s.tax.loss_years_hnte_tsme if s.tax.enterprise == "hnte_tsme" else s.tax.loss_years_standard)
    by_year = s.tax.basis == "tax_year"
    start = s.general.start_date
    first = s.general.fiscal_year_start_month

    def period(t: int) -> int:  # a month (cumulative) or a fiscal year named by the year it ends in
        year, month = divmod(int(start) + t, 12)
        return (year + (1 if month + 1 >= first > 1 else 0)) if by_year else t

    def closes(t: int) -> bool:
        return t == h or period(t + 1) != period(t)

    span = 1 if by_year else 12  # periods per year of carry-forward
    vintages: list[list[float]] = []  # [period, amount left], oldest first
    tax = [0.0] * (h + 1)
    expired = 0.0
    ytd = paid = 0.0
    refunds: dict[int, float] = {}
    for t in range(h + 1):
        p = period(t)
        if t == 0 or closes(t - 1):  # a new period: losses past their carry-forward expire
            ytd = paid = 0.0
            if limit is not None:
                expired += sum(v[1] for v in vintages if v[0] < p - limit * span)
                vintages = [v for v in vintages if v[0] >= p - limit * span]
        ytd += income[t]
        available = sum(v[1] for v in vintages)
        due = rate * max(0.0, ytd - available)
        payment = max(0.0, due - paid)  # provisional: never refunded within the period
        paid += payment
        tax[t] += payment
        if closes(t):
            if ytd > 0:  # use the oldest losses first
                use = min(ytd, available)
                for v in vintages:
                    take = min(v[1], use)
                    v[1] -= take
                    use -= take
                vintages = [v for v in vintages if v[1] > 1e-9]
            elif ytd < 0:
                vintages.append([p, -ytd])
            when = min(t + s.tax.settlement_months_after_year_end, h)
            refunds[when] = refunds.get(when, 0.0) + (paid - due)
        if t == h:
            refunds[h] = refunds.get(h, 0.0) + sum(v for k, v in refunds.items() if k > h)
        tax[t] -= refunds.get(t, 0.0)
    return tax, {"expired": expired, "refunds": refunds, "left": sum(v[1] for v in vintages)}


def taxable_income(s: schema.Scenario, tax_dep: list[float] | None = None) -> list[float]:
    """Pre-tax profit + book depreciation − tax depreciation (the engine's book lines, ``tax_dep``
    by hand or, where not given, the book's)."""
    ebt, dep = rows(s, "ebt_cny", "depreciation_cny")
    return list(ebt + dep - (dep if tax_dep is None else np.asarray(tax_dep)))


def one_off_tax_dep(s: schema.Scenario) -> list[float]:
    """The whole capex deducted in the first month of service (MOF/STA 2023 No. 37). [CNY/month]"""
    capex = s.heavy.servers * (s.heavy.server_price_cny + s.heavy.network_cost_cny + s.heavy.parts_cost_cny
                               + s.heavy.other_infrastructure_cny)
    out = [0.0] * (s.general.horizon_months + 1)
    out[s.heavy.lead_time_months + 1] = capex
    return out


def assert_rows(got: np.ndarray, want: list[float], scale: float) -> None:
    assert np.allclose(got, want, rtol=1e-9, atol=1e-9 * scale), np.flatnonzero(~np.isclose(got, want, atol=1e-6))


# --------------------------------------------------------------------------- loss expiry
@pytest.mark.parametrize("basis", ["cumulative", "tax_year"])
def test_a_year_one_loss_expires_after_five_years_and_survives_ten_for_hnte(basis):
    s = THIN.replace({"tax.basis": basis, "tax.loss_carry_forward": "statute"})
    income = taxable_income(s, one_off_tax_dep(s))
    want, what = statute_tax(s, income)
    assert what["expired"] > 100_000  # the one-off deduction's loss outlives five years of thin profit
    (tax,) = rows(s, "tax_cny")
    assert_rows(tax, want, 1e6)
    hnte = s.replace({"tax.enterprise": "hnte_tsme"})
    want_hnte, what_hnte = statute_tax(hnte, income)
    assert what_hnte["expired"] == 0 and sum(want_hnte) < sum(want) - 0.25 * 100_000
    assert_rows(rows(hnte, "tax_cny")[0], want_hnte, 1e6)
    # by hand: in 2031 (months 72-83) the standard firm has no loss left and pays 25 % of each month's
    # profit; the HNTE still deducts its 2025 loss and pays nothing
    if basis == "tax_year":
        assert math.isclose(sum(tax[72:84]), 0.25 * sum(income[72:84]), rel_tol=1e-9)
        assert abs(sum(rows(hnte, "tax_cny")[0][72:84])) < 1e-6


def test_unlimited_carry_forward_is_the_running_maximum_rule():
    """The default: cumulative tax = rate × running maximum of cumulative taxable income."""
    income = taxable_income(THIN, one_off_tax_dep(THIN))
    want, what = statute_tax(THIN, income)
    assert what["expired"] == 0
    best = total = 0.0
    for t, y in enumerate(income):
        total += y
        taxed = max(best, total)
        assert math.isclose(want[t], 0.25 * (taxed - best), abs_tol=1e-6)
        best = taxed
    assert_rows(rows(THIN, "tax_cny")[0], want, 1e6)


# --------------------------------------------------------------------------- tax-year basis
def _profit_then_loss_in_a_year() -> schema.Scenario:
    """Service year 1 (Aug 2025 - Jul 2026) profitable; the price falls 80 % from Aug 2026, so the
    2026 tax year has seven months of profit and five of loss."""
    return SEED.replace({"general.tax_rate": 0.25, "general.start_date": "2025-07", "general.horizon_months": 60,
                         "heavy.price_change_per_year": -0.8})


def test_tax_year_basis_refunds_the_overpaid_provisional_tax_in_may():
    s = _profit_then_loss_in_a_year().replace({"tax.basis": "tax_year"})
    income = taxable_income(s)
    want, what = statute_tax(s, income)
    (tax,) = rows(s, "tax_cny")
    assert_rows(tax, want, 1e6)
    # 2026 is months 6-17; its settlement is the fifth month after December: May 2027 = month 22
    paid_2026 = 0.25 * max(np.cumsum(income[6:18]))
    due_2026 = 0.25 * max(0.0, sum(income[6:18]))
    assert paid_2026 > due_2026 + 10_000
    assert math.isclose(what["refunds"][22], paid_2026 - due_2026, rel_tol=1e-9)
    assert tax[22] < 0 and math.isclose(-tax[22], paid_2026 - due_2026, rel_tol=1e-9)
    cumulative = _profit_then_loss_in_a_year()
    assert sum(rows(cumulative, "tax_cny")[0]) > sum(tax) + 10_000  # no refund of the months' tax there
    later = s.replace({"tax.settlement_months_after_year_end": 3})
    assert math.isclose(-rows(later, "tax_cny")[0][20], paid_2026 - due_2026, rel_tol=1e-9)


# --------------------------------------------------------------------------- depreciation for tax
def test_one_off_deduction_in_the_policy_window_and_not_outside():
    s = SEED.replace({"general.tax_rate": 0.25, "general.start_date": "2026-03", "tax.one_off_deduction": "on"})
    (dep,) = rows(s, "tax_depreciation_cny")
    assert dep[1] == 1_800_000 and np.all(dep[2:] == 0)  # 180万 deducted in the first month of service
    assert_rows(rows(s, "tax_cny")[0], statute_tax(s, taxable_income(s, one_off_tax_dep(s)))[0], 1e6)
    for outside in ({"general.start_date": "2023-12"}, {"general.start_date": "2028-01"},
                    {"tax.one_off_limit_cny_per_unit": 1_799_999.0}):
        book, tax_dep = rows(s.replace(outside), "depreciation_cny", "tax_depreciation_cny")
        assert np.array_equal(book, tax_dep), outside


def test_tax_depreciation_of_its_own_straight_line_three_years():
    s = SEED.replace({"general.tax_rate": 0.25, "general.start_date": "2025-01",
                      "tax.depreciation_method": "straight_line", "tax.depreciation_life_years": 3})
    book, dep = rows(s, "depreciation_cny", "tax_depreciation_cny")
    assert np.allclose(book[1:61], 1_800_000 / 60)  # the seed's 3万 a month (002:1451)
    hand = [0.0] + [1_800_000 / 36 if s_ <= 36 else 0.0 for s_ in range(1, 61)]
    assert np.allclose(dep, hand, rtol=1e-12)
    assert_rows(rows(s, "tax_cny")[0], statute_tax(s, taxable_income(s, hand))[0], 1e6)
    assert math.isclose(sum(dep), sum(book), rel_tol=1e-12)  # same total, earlier


def test_tax_double_declining_by_hand():
    s = SEED.replace({"general.tax_rate": 0.25, "tax.depreciation_method": "double_declining"})
    (dep,) = rows(s, "tax_depreciation_cny")
    nbv, hand = 1_800_000.0, [0.0]
    for year in range(5):  # 2/5 of net book value a year, the last two years straight line
        charge = nbv * 0.4 if year < 3 else (1_800_000 * 0.6 ** 3) / 2
        hand += [charge / 12] * 12
        nbv -= charge
    assert np.allclose(dep, hand, rtol=1e-12)


# --------------------------------------------------------------------------- subsidies
@pytest.mark.parametrize("treatment", ["taxable", "non_taxable"])
def test_capex_grant_taxable_or_not(treatment):
    s = SEED.replace({"general.tax_rate": 0.25, "subsidy.capex_grant_share": 0.1, "subsidy.capex_grant_month": 6,
                      "subsidy.capex_grant_tax": treatment})
    grant, ebitda = rows(s, "capex_grant_income_cny", "ebitda_cny")
    assert grant[6] == 180_000 and grant.sum() == 180_000
    assert math.isclose(ebitda[6] - rows(SEED, "ebitda_cny")[0][6], 180_000)
    ebt, dep = rows(s, "ebt_cny", "depreciation_cny")
    if treatment == "taxable":
        income = list(ebt)
    else:  # not income for tax, and the 10 % of depreciation it funded is not deductible (Art. 28)
        income = list(ebt + 0.1 * dep - grant)
    assert_rows(rows(s, "tax_cny")[0], statute_tax(s, income)[0], 1e6)
    assert model.evaluate(s).heavy["total_subsidy_income_cny"] == 180_000


def test_voucher_is_a_share_of_revenue_for_its_months():
    s = SEED.replace({"subsidy.voucher_share_of_revenue": 0.3, "subsidy.voucher_months": 12,
                      "heavy.lead_time_months": 2})
    revenue, voucher = rows(s, "revenue_cny", "voucher_income_cny")
    hand = [0.3 * revenue[t] if 3 <= t <= 14 else 0.0 for t in range(61)]
    assert np.allclose(voucher, hand, rtol=1e-12) and voucher[3] > 0


# --------------------------------------------------------------------------- escalation and spares
def test_escalators_by_service_year():
    base = SEED.replace({"heavy.cash_cost_method": "bottom_up", "heavy.staff_cny_per_month": 50_000.0,
                         "heavy.colocation_cny_per_server_month": 8_000.0,
                         "heavy.om_fixed_cny_per_server_month": 1_000.0,
                         "heavy.om_share_of_revenue": 0.0, "heavy.lead_time_months": 3})
    up = base.replace({"escalation.electricity_per_year": 0.05, "escalation.staff_per_year": 0.04,
                       "escalation.colocation_per_year": 0.03, "escalation.om_fixed_per_year": 0.02})
    keys = ("energy_cny", "staff_cny", "colocation_cny", "om_cny")
    flat, esc = rows(base, *keys), rows(up, *keys)
    for t in range(61):
        years = max(0, t - 3) // 12  # whole service years done (service starts after the lead time)
        for f, e, rate in zip(flat, esc, (0.05, 0.04, 0.03, 0.02), strict=True):
            assert math.isclose(e[t], f[t] * (1 + rate) ** years, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(esc[2][40], base.heavy.servers * 8_000 * 1.03 ** 3)  # month 40: 37 service months, 3 years


def test_spare_servers_cost_capex_and_idle_energy_but_earn_nothing():
    base = SEED.replace({"heavy.cash_cost_method": "bottom_up", "heavy.colocation_cny_per_server_month": 8_000.0})
    spare = base.replace({"escalation.spare_servers": 2})
    a, b = model.evaluate(base), model.evaluate(spare)
    assert b.heavy["capex_cny"] == (base.heavy.servers + 2) * 1_800_000
    assert np.array_equal(a.heavy_monthly["revenue_cny"], b.heavy_monthly["revenue_cny"])
    h = base.heavy
    kw = a.heavy["power_kw_per_server"]  # the catalogue's figure for the seed's GPU
    idle = 2 * kw * h.pue * h.electricity_cny_per_kwh * 730 * h.idle_power_fraction
    extra = b.heavy_monthly["energy_cny"].to_numpy() - a.heavy_monthly["energy_cny"].to_numpy()
    assert np.allclose(extra[1:], idle, rtol=1e-12)
    coloc = b.heavy_monthly["colocation_cny"].to_numpy() - a.heavy_monthly["colocation_cny"].to_numpy()
    assert np.allclose(coloc[1:], 2 * 8_000.0)


# --------------------------------------------------------------------------- defaults, statements, input
@pytest.mark.parametrize("path", [SEED_FILE, *PLAIN_PRESETS], ids=lambda p: p.stem)
def test_every_preset_is_unchanged_by_the_default_sections(path):
    s = schema.load(path)
    spelled = schema.validate({**s.to_dict(), "tax": {"basis": "cumulative", "loss_carry_forward": "unlimited"},
                               "subsidy": {"capex_grant_share": 0.0}, "escalation": {"spare_servers": 0}})
    a, b = model.evaluate(s), model.evaluate(spelled)
    assert a.heavy == b.heavy or all(_same(a.heavy[k], b.heavy[k]) for k in a.heavy)
    income = taxable_income(s)
    assert_rows(rows(s, "tax_cny")[0], statute_tax(s, income)[0], 1e6)


def _same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


#: Draw rules for the sections of this file, on top of conftest's random scenario.
DEAL_TAX_DRAWS: dict[str, list[Any]] = {
    "tax.basis": ["cumulative", "tax_year"], "tax.loss_carry_forward": ["unlimited", "statute"],
    "tax.enterprise": ["standard", "hnte_tsme"], "tax.loss_years_standard": [1, 2, 5],
    "tax.loss_years_hnte_tsme": [3, 10], "tax.settlement_months_after_year_end": [1, 5, 12],
    "tax.one_off_deduction": ["off", "on"], "tax.depreciation_method": [None, "straight_line", "double_declining",
                                                                        "sum_of_years"],
    "tax.depreciation_life_years": [None, 3, 4], "subsidy.capex_grant_share": [0.0, 0.1, 0.3],
    "subsidy.capex_grant_month": [0, 7, 30], "subsidy.capex_grant_tax": ["taxable", "non_taxable"],
    "subsidy.voucher_share_of_revenue": [0.0, 0.3], "subsidy.voucher_months": [6, 24],
    "escalation.electricity_per_year": [0.0, 0.05], "escalation.staff_per_year": [0.0, 0.04],
    "escalation.colocation_per_year": [0.0, -0.02], "escalation.om_fixed_per_year": [0.0, 0.03],
    "escalation.spare_servers": [0, 2],
}


def deal_tax_scenario(rng: np.random.Generator, horizon: int | None = None) -> schema.Scenario:
    """conftest's random scenario with this file's switches drawn too (and income tax on)."""
    s = random_scenario(rng, horizon=horizon)
    changes = {p: v[int(rng.integers(len(v)))] for p, v in DEAL_TAX_DRAWS.items()}
    changes["general.tax_rate"] = 0.25
    changes["general.start_date"] = str(schema.Month.of(int(rng.integers(2023, 2028)), int(rng.integers(1, 13))))
    return s.replace(changes)


@pytest.mark.parametrize("i", range(12))
def test_statements_balance_and_tax_matches_with_every_switch(i):
    """tests/test_statements.py's identities (cash, balance check, flows against the model's rows) on
    random scenarios with this file's switches drawn."""
    from .test_statements import assert_statements_hold

    s = deal_tax_scenario(np.random.default_rng(1200 + i), horizon=[37, 60, 97][i % 3])
    r = model.evaluate(s)
    assert_statements_hold(r, s.name)
    m = r.heavy_monthly
    scale = max(1.0, float(np.abs(m["revenue_cny"]).max()), s.heavy.server_price_cny)
    assert np.all(np.abs(m["balance_check_cny"].to_numpy()) < 1e-6 * max(1.0, scale / 1e6))
    assert np.allclose(m["closing_cash_cny"], 0, atol=1e-6)


def test_bad_input_is_one_error_line(tmp_path):
    for line, field, bound in (("loss_years_standard = 0", "tax.loss_years_standard", "1"),
                               ("settlement_months_after_year_end = 13", "tax.settlement_months_after_year_end", "12"),
                               ("basis = 'annual'", "tax.basis", "tax_year")):
        text = seed_with("general", "").rstrip("\n") + f"\n\n[tax]\n{line}\n"
        path = write(tmp_path, "bad.toml", text)
        got = assert_refused(invoke(["validate", str(path)]), field, bound)
        assert len(got) == 1
    text = seed_with("general", "") + "\n[escalation]\nspare_servers = -1\n"
    assert_refused(invoke(["validate", str(write(tmp_path, "bad2.toml", text))]), "escalation.spare_servers", "0")


def test_lag_and_recurrence_primitives():
    """expr.lag (one lag for the batch, or one per scenario) and expr.recurrence against loops, and
    their Excel text."""
    from finmodel.model.expr import Sym, lag, recurrence

    rng = np.random.default_rng(7)
    x, t = rng.normal(size=(3, 20)), np.arange(20.0)
    ks = np.array([[0.0], [5.0], [25.0]])
    for k in (ks, np.array([[5.0]])):
        got = np.asarray(lag(x, k, t))
        for i in range(3):
            kk = int(k[min(i, k.shape[0] - 1), 0])
            assert np.array_equal(got[i], [x[i, j - kk] if j >= kk else 0.0 for j in range(20)])
    got = np.asarray(recurrence(lambda q, a, b: 0.5 * q + a * b, x, x[::-1]))
    q = np.zeros(3)
    for j in range(20):
        q = 0.5 * q + x[:, j] * x[::-1, j]
        assert np.allclose(got[:, j], q, rtol=1e-15)
    assert lag(Sym("{c}12"), Sym("k"), Sym("{c}$5")).render("J", "I") == "=IF(J$5<k,0,INDEX($A$12:$ZZ$12,COLUMN()-k))"


def test_server_priced_in_usd_at_a_stated_rate():
    s = SEED.replace({"fx.server_price_usd": 200_000.0, "fx.cny_per_usd": 7.2})
    r = model.evaluate(s)
    h = SEED.heavy  # 20万 network + 15万 parts stay in CNY (002:1508)
    per_server = 200_000.0 * 7.2 + h.network_cost_cny + h.parts_cost_cny + h.other_infrastructure_cny
    assert r.heavy["capex_per_server_cny"] == per_server == 1_790_000.0
    assert r.heavy["capex_cny"] == h.servers * per_server
