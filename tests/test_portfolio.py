"""Issue 14 acceptance: a company of cohorts is the sum of its cohorts, shifted to their purchase months.

Worked examples, each against an independent reference:

* one cohort bought at month 0 *is* ``finmodel evaluate`` of its scenario — every KPI and every
  monthly cell, bit for bit (the company model repeats the heavy model's order of operations);
* two identical cohorts give exactly twice every flow, and the same payback and IRR;
* a cohort bought at month 12 is the month-0 cohort moved 12 months along the company timeline;
* company tax with a loss-making and a profitable cohort is below the sum of their stand-alone
  taxes by the tax on the sheltered loss, computed here with a plain carry-forward loop;
* slippage is the sum of an on-time and a late cohort; a refresh sells at book value × the resale
  share, writes the book value off, and buys the successor the same month.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from finmodel import model, schema
from finmodel.model import portfolio_items as pi
from finmodel.model.portfolio_result import PortfolioResult, evaluate
from finmodel.schema import portfolio

ROOT = Path(__file__).resolve().parents[1]
#: A scenario with every financing and timing feature on: loan, tax, lead time, ramp, price decline.
H800 = ROOT / "assumptions" / "h800_training_cluster.toml"


def write_portfolio(folder: Path, body: str, scenario: Path = H800) -> Path:
    """A portfolio file in ``folder`` with ``scenario`` copied beside it as ``cohort.toml``."""
    shutil.copy(scenario, folder / "cohort.toml")
    path = folder / "p.toml"
    path.write_text(body, encoding="utf-8")
    return path


def general_of(s: schema.Scenario) -> str:
    g = s.general
    return (f"[general]\nhorizon_months = {g.horizon_months}\ndiscount_rate_per_year = {g.discount_rate_per_year}\n"
            f"tax_rate = {g.tax_rate}\nhours_per_year = {g.hours_per_year}\n")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def h800() -> schema.Scenario:
    return schema.load(H800)


@pytest.fixture(scope="module")
def one(tmp_path_factory: pytest.TempPathFactory, h800: schema.Scenario) -> PortfolioResult:
    folder = tmp_path_factory.mktemp("one")
    return evaluate(portfolio.load(write_portfolio(folder, general_of(h800) + '[cohorts.only]\nscenario = '
                                                   '"cohort.toml"\n')))


# --------------------------------------------------------------------------- one cohort = evaluate
#: Results the company model and the heavy model both define, with one meaning (docs/model.md).
SHARED_KPIS = {"payback_months", "discounted_payback_months", "npv_cny", "irr", "project_payback_months",
               "project_discounted_payback_months", "project_npv_cny", "project_irr", "project_discount_rate_per_year",
               "peak_funding_cny", "peak_funding_month", "moic", "total_revenue_cny", "total_tax_cny",
               "total_ebitda_cny", "gross_margin", "net_margin"}


def assert_company_is_the_scenario(one: PortfolioResult, s: schema.Scenario) -> None:
    """Every KPI and monthly line the company shares with ``finmodel evaluate`` of ``s``, bit for bit."""
    alone = model.evaluate(s)
    kpis = [k for k in one.company if k in alone.heavy]
    assert SHARED_KPIS <= set(kpis)
    for key in kpis:
        assert same(one.company[key], alone.heavy[key]), key
    shared = [k for k in one.monthly if k in alone.heavy_monthly]
    summed = [k for k in one.monthly if k.startswith("heavy_") and k[6:] in alone.heavy_monthly]
    assert len(shared) >= 40 and len(summed) >= 10
    for key in shared:
        np.testing.assert_array_equal(one.monthly[key].to_numpy(), alone.heavy_monthly[key].to_numpy(), err_msg=key)
    for key in summed:
        np.testing.assert_array_equal(one.monthly[key].to_numpy(), alone.heavy_monthly[key[6:]].to_numpy(),
                                      err_msg=key)
    assert one.company["total_standalone_tax_cny"] == one.company["total_tax_cny"]
    assert one.company["tax_sheltered_cny"] == 0


def test_one_cohort_at_month_0_equals_evaluate_every_kpi_and_monthly_cell(one: PortfolioResult,
                                                                         h800: schema.Scenario) -> None:
    assert_company_is_the_scenario(one, h800)


def test_one_cohort_with_a_balloon_and_a_taxed_disposal_gain_equals_evaluate(tmp_path: Path,
                                                                            h800: schema.Scenario) -> None:
    # issue 11's definitions: the loan balance left at the horizon and the terminal value after the
    # tax on its gain over book value are settlement items (out of payback, in NPV/IRR), on both
    # tax chains (equity, and the unlevered project chain on EBIT); a project rate of its own
    changes = {"heavy.loan_term_months": 120, "heavy.terminal_value_method": "resale_fraction",
               "heavy.resale_fraction_of_capex": 0.5, "general.project_discount_rate_per_year": 0.07}
    s = h800.replace(changes)
    body = (general_of(h800) + "project_discount_rate_per_year = 0.07\n[cohorts.only]\nscenario = \"cohort.toml\"\n"
            '[cohorts.only.heavy]\nloan_term_months = 120\nterminal_value_method = "resale_fraction"\n'
            "resale_fraction_of_capex = 0.5\n")
    one = evaluate(portfolio.load(write_portfolio(tmp_path, body)))
    m = one.monthly
    assert m["settlement_cny"].iloc[60] < -1_000_000 and m["disposal_tax_cny"].iloc[60] > 0
    assert m["project_disposal_tax_cny"].iloc[60] > 0
    assert_company_is_the_scenario(one, s)


def test_one_cohort_alone_in_the_cohort_table_is_the_scenario_alone(one: PortfolioResult,
                                                                    h800: schema.Scenario) -> None:
    alone = model.evaluate(h800).heavy
    row = one.cohorts.loc["only"]
    for key in ("payback_months", "discounted_payback_months", "npv_cny", "irr", "project_payback_months",
                "project_irr", "peak_funding_cny", "moic", "total_tax_cny"):
        assert same(row[key], alone[key]), key
    assert row["share_of_revenue"] == row["share_of_capex"] == 1.0


def test_the_portfolio_command_prints_what_evaluate_prints(one: PortfolioResult, tmp_path: Path,
                                                           h800: schema.Scenario) -> None:
    from tests.test_hostile_inputs import invoke

    path = write_portfolio(tmp_path, general_of(h800) + '[cohorts.only]\nscenario = "cohort.toml"\n')
    import json

    got = json.loads(invoke(["portfolio", path, "--json"]).stdout)["company_all"]
    want = json.loads(invoke(["evaluate", H800, "--json"]).stdout)["heavy"]
    for key in ("payback_months", "discounted_payback_months", "npv_cny", "irr", "project_payback_months",
                "project_irr", "peak_funding_cny", "moic", "total_tax_cny"):
        assert got[key] == want[key], key


# --------------------------------------------------------------------------- two identical cohorts
def test_two_identical_cohorts_give_twice_every_flow_and_the_same_payback_and_irr(
        tmp_path: Path, one: PortfolioResult, h800: schema.Scenario) -> None:
    path = write_portfolio(tmp_path, general_of(h800) + '[cohorts.a]\nscenario = "cohort.toml"\n'
                           '[cohorts.b]\nlike = "a"\n')
    two = evaluate(portfolio.load(path))
    flows = [i.key for i in pi.ITEMS if i.flow and i.kind == "row"]
    assert len(flows) > 30
    for key in flows:
        np.testing.assert_array_equal(two.monthly[key].to_numpy(), 2 * one.monthly[key].to_numpy(), err_msg=key)
    for key in ("payback_months", "discounted_payback_months", "irr", "project_irr", "moic", "min_dscr"):
        assert same(two.company[key], one.company[key]), key
    assert two.company["npv_cny"] == 2 * one.company["npv_cny"]
    assert two.company["peak_funding_cny"] == 2 * one.company["peak_funding_cny"]
    assert list(two.cohorts["share_of_revenue"]) == [0.5, 0.5]


# --------------------------------------------------------------------------- a cohort bought later
def test_a_cohort_bought_at_month_12_is_the_month_0_cohort_shifted(tmp_path: Path, one: PortfolioResult,
                                                                   h800: schema.Scenario) -> None:
    # the company runs 12 months longer, so the cohort keeps its 60-month timeline: every line moves
    g = general_of(h800).replace("horizon_months = 60", "horizon_months = 72")
    path = write_portfolio(tmp_path, g + '[cohorts.late]\nscenario = "cohort.toml"\npurchase_month = 12\n')
    late = evaluate(portfolio.load(path))
    r = h800.general.discount_rate_per_year
    for key in [i.key for i in pi.ITEMS if i.flow and i.kind == "row"]:
        if key in ("discounted_cash_flow_cny", "project_discounted_cash_flow_cny"):  # to company month 0: a year more
            np.testing.assert_allclose(late.monthly[key].to_numpy()[12:], one.monthly[key].to_numpy() / (1 + r),
                                       rtol=1e-13, atol=1e-6)
            continue
        np.testing.assert_array_equal(late.monthly[key].to_numpy()[12:], one.monthly[key].to_numpy(), err_msg=key)
        assert not late.monthly[key].to_numpy()[:12].any(), key
    assert late.company["payback_months"] == pytest.approx(one.company["payback_months"] + 12, abs=1e-9)
    assert late.company["irr"] == pytest.approx(one.company["irr"], abs=1e-12)
    assert late.company["npv_cny"] == pytest.approx(one.company["npv_cny"] / (1 + r), rel=1e-12)
    assert late.cohorts.loc["late", "payback_months"] == one.cohorts.loc["only", "payback_months"]


def test_within_one_horizon_a_later_cohort_is_cut_at_the_horizon_and_its_loan_settled_there(
        tmp_path: Path, h800: schema.Scenario) -> None:
    # a 60-month loan, so that the cohort bought in month 12 still owes a balance at the horizon
    cohort = '[cohorts.c]\nscenario = "cohort.toml"\n{}[cohorts.c.heavy]\nloan_term_months = 60\n'
    early = evaluate(portfolio.load(write_portfolio(tmp_path, general_of(h800) + cohort.format(""))))
    late = evaluate(portfolio.load(write_portfolio(tmp_path, general_of(h800)
                                                   + cohort.format("purchase_month = 12\n"))))
    for key in ("revenue_cny", "ebitda_cny", "tax_cny", "investment_cny", "interest_cny", "project_cash_flow_cny",
                "debt_flow_cny", "equity_cash_flow_cny"):  # operating flows: the month-0 cohort's, moved 12 months
        np.testing.assert_array_equal(late.monthly[key].to_numpy()[12:], early.monthly[key].to_numpy()[:49],
                                      err_msg=key)
    # the balance still owed in the cohort's month 48 is repaid at the horizon: a settlement item
    balance = model.evaluate(h800.replace({"heavy.loan_term_months": 60})).heavy_monthly["loan_balance_cny"].iloc[48]
    assert balance > 1_000_000
    assert late.monthly["settlement_cny"].iloc[60] == -balance
    assert not late.monthly["settlement_cny"].iloc[:60].any()
    # … which is out of payback (the month-0 cohort pays back before its 48th month) and in NPV
    assert early.company["payback_months"] < 48
    assert late.company["payback_months"] == pytest.approx(early.company["payback_months"] + 12, abs=1e-9)
    flows = late.monthly["equity_cash_flow_with_terminal_cny"].to_numpy()
    assert flows[60] == pytest.approx(late.monthly["equity_cash_flow_cny"].iloc[60] - balance
                                      + late.monthly["terminal_value_after_tax_cny"].iloc[60], rel=1e-12)


# --------------------------------------------------------------------------- company tax
def carry_forward_tax(ebt: np.ndarray, rate: float) -> np.ndarray:
    """Tax month by month with losses carried forward without limit: an independent loop."""
    out, losses = np.zeros_like(ebt), 0.0
    for t, profit in enumerate(ebt):
        if profit < 0:
            losses -= profit
            continue
        used = min(losses, profit)
        losses -= used
        out[t] = rate * (profit - used)
    return out


COMPANY_TAX = """
[general]
horizon_months = 48
tax_rate = 0.25
[cohorts.winner]
[cohorts.winner.heavy]
servers = 4
[cohorts.loser]
model = "light"
purchase_month = 6
[cohorts.loser.light]
buy_price_cny_per_p_year = 300000
sell_price_basis = "p_year"
sell_price_cny_per_p_year = 200000
capacity_p = 10
"""


def test_company_tax_is_below_the_stand_alone_taxes_by_the_sheltered_loss() -> None:
    p = portfolio.parse(COMPANY_TAX)
    r = evaluate(p)
    rate = 0.25
    winner = model.evaluate(p.cohort("winner").scenario).heavy_monthly["ebt_cny"].to_numpy()
    loser = model.evaluate(p.cohort("loser").scenario.replace({"general.horizon_months": 42})
                           ).light_monthly["ebt_cny"].to_numpy()
    assert winner.sum() > 0 > loser.sum()
    company_ebt = winner.copy()
    company_ebt[6:] += loser
    standalone = carry_forward_tax(winner, rate).sum() + carry_forward_tax(loser, rate).sum()
    company = carry_forward_tax(company_ebt, rate).sum()
    assert carry_forward_tax(loser, rate).sum() == 0  # the loser pays nothing alone …
    assert company < standalone  # … and its losses shelter the winner's profit
    assert r.company["total_standalone_tax_cny"] == pytest.approx(standalone, rel=1e-12)
    assert r.company["total_tax_cny"] == pytest.approx(company, rel=1e-12)
    assert r.company["tax_sheltered_cny"] == pytest.approx(standalone - company, rel=1e-9)
    assert r.company["tax_sheltered_cny"] == pytest.approx(-rate * loser.sum(), rel=1e-9)  # all of it is used


# --------------------------------------------------------------------------- slippage and refresh
def _inline(cohorts: str, horizon: int = 48) -> portfolio.Portfolio:
    return portfolio.parse(f"[general]\nhorizon_months = {horizon}\ntax_rate = 0.25\n{cohorts}")


HEAVY = ('cash_cost_method = "bottom_up"\nstaff_cny_per_month = 40000\nother_cny_per_month = 8000\n'
         'lead_time_months = 1\nloan_share_of_capex = 0.5\n')


def test_slippage_is_an_on_time_and_a_late_cohort() -> None:
    slipped = evaluate(_inline(f"[cohorts.a]\nslip_months = 3\nlate_share = 0.25\n[cohorts.a.heavy]\nservers = 4\n"
                               f"{HEAVY}"))
    split = evaluate(_inline(
        f"[cohorts.on_time]\n[cohorts.on_time.heavy]\nservers = 3\n{HEAVY}".replace("40000", "30000")
        .replace("8000", "6000")
        + f"[cohorts.late]\n[cohorts.late.heavy]\nservers = 1\n{HEAVY}".replace("40000", "10000")
        .replace("8000", "2000").replace("lead_time_months = 1", "lead_time_months = 4")))
    # every company line but those of each cohort alone (one cohort is one taxpayer, two are two)
    alone = {*pi.STANDALONE, *(f"residual_{k}" for k, _, _ in pi.RESIDUAL_LINES)}
    for key in [i.key for i in pi.ITEMS if i.kind == "row" and i.key not in alone]:
        np.testing.assert_allclose(slipped.monthly[key], split.monthly[key], rtol=1e-12, atol=1e-6, err_msg=key)
    # one cohort is one taxpayer when it stands alone, however it is delivered
    assert slipped.company["total_standalone_tax_cny"] != split.company["total_standalone_tax_cny"]
    # 3 servers from month 2 (lead time 1), the fourth 3 months later
    assert slipped.fleet_total()["servers_in_service"].iloc[[1, 2, 4, 5]].tolist() == [0, 3, 3, 4]


def test_a_refresh_sells_at_book_value_times_the_resale_share_and_buys_the_successor() -> None:
    p = _inline("[cohorts.old]\nretire_month = 36\nresale_share_of_book = 0.5\nsuccessor = \"new\"\n"
                "[cohorts.new]\n[cohorts.new.heavy]\nserver_price_cny = 1000000\nloan_share_of_capex = 0.4\n",
                horizon=60)
    r = evaluate(p)
    m = r.monthly
    capex = 1_800_000.0  # 145万 + 20万 + 15万 (002:1508), straight line over 60 months, no salvage
    book = capex * (1 - 36 / 60)
    assert m["heavy_resale_cny"].iloc[36] == pytest.approx(0.5 * book, rel=1e-12)
    assert m["heavy_written_off_cny"].iloc[36] == pytest.approx(book, rel=1e-12)
    assert m["retirement_gain_cny"].iloc[36] == pytest.approx(-0.5 * book, rel=1e-12)  # in EBIT, so taxed
    assert m["heavy_resale_cny"].drop(index=36).eq(0).all()
    new_capex = 1_000_000 + 200_000 + 150_000
    assert m["investment_cny"].iloc[36] == pytest.approx(new_capex)
    assert r.cohorts.loc["new", "purchase_month"] == 36
    # the old server's last month is 36 (sold at its end), the new one's first is 37
    assert m["servers_in_service"].iloc[[35, 36, 37]].tolist() == [1, 1, 1]
    assert r.fleet_total()["capacity_p"].iloc[36] == pytest.approx(8 * 312 / 1000)
    assert m["terminal_value_cny"].iloc[60] == pytest.approx(new_capex * (1 - 24 / 60))
    assert r.cohorts.loc["old", "end_month"] == 36


def test_company_lines_and_loan_enter_the_company_only() -> None:
    base = "[cohorts.a]\n[cohorts.a.heavy]\nservers = 2\n"
    plain = evaluate(_inline(base))
    lined = evaluate(_inline("[company]\nstaff_cny_per_month = 50000\nloan_cny = 1000000\nloan_draw_month = 3\n"
                             "loan_rate_per_year = 0.06\nloan_term_months = 12\n" + base))
    assert lined.monthly["company_cost_cny"].iloc[1:].eq(50000).all()
    assert lined.monthly["company_loan_flow_cny"].iloc[3] == 1_000_000
    assert lined.monthly["company_loan_balance_cny"].iloc[15] == pytest.approx(0, abs=1e-6)
    rate = 0.06 / 12
    assert lined.monthly["company_interest_cny"].iloc[4] == pytest.approx(1_000_000 * rate)
    np.testing.assert_array_equal(lined.monthly["revenue_cny"], plain.monthly["revenue_cny"])
    assert lined.cohorts.loc["a", "npv_cny"] == plain.cohorts.loc["a", "npv_cny"]  # a cohort alone carries neither
    assert np.isfinite(lined.company["min_dscr"]) and math.isnan(plain.company["min_dscr"])



def test_a_later_cohort_alone_is_its_scenario_over_the_rest_of_the_horizon() -> None:
    p = portfolio.load(ROOT / "assumptions" / "portfolio" / "h800_lots.toml")
    r = evaluate(p)
    c = p.cohort("lot_jan_2024")
    alone = model.evaluate(c.scenario.replace({"general.horizon_months": 60 - c.purchase_month})).heavy
    for key in ("payback_months", "discounted_payback_months", "npv_cny", "irr", "project_irr", "total_tax_cny",
                "total_revenue_cny"):
        want, got = alone[key], r.cohorts.loc["lot_jan_2024", key]
        assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want, rel=1e-12, abs=1e-9), key


# --------------------------------------------------------------------------- cohorts and the company residual
GENERATIONS = ROOT / "assumptions" / "portfolio" / "three_generations.toml"


@pytest.fixture(scope="module")
def generations() -> PortfolioResult:
    return evaluate(portfolio.load(GENERATIONS))


def test_the_cohorts_alone_plus_the_residual_add_up_to_the_company(generations: PortfolioResult) -> None:
    r, m = generations, generations.monthly
    for key, _, _ in pi.RESIDUAL_LINES:
        summed = r.cohort_monthly[key].sum(axis=1).to_numpy()
        np.testing.assert_allclose(summed + m[f"residual_{key}"].to_numpy(), m[key].to_numpy(), rtol=1e-12, atol=1e-3,
                                   err_msg=key)
    # what the residual is, line by line: nothing of revenue; the company's own costs off EBITDA
    # (350k a month from month 1, the file's [company]); the tax the shared losses save
    assert not m["residual_revenue_cny"].any()
    np.testing.assert_allclose(m["residual_ebitda_cny"].iloc[1:], -(200_000 + 50_000 + 100_000), rtol=1e-12)
    assert m["residual_tax_cny"].sum() == pytest.approx(-r.company["tax_sheltered_cny"], rel=1e-9)
    assert r.company["tax_sheltered_cny"] > 0


def test_a_retired_cohorts_cumulative_cash_keeps_its_last_value(generations: PortfolioResult) -> None:
    cum = generations.cohort_monthly["cumulative_cash_flow_cny"]["a100_2022"].to_numpy()
    flow = generations.cohort_monthly["equity_cash_flow_cny"]["a100_2022"].to_numpy()
    np.testing.assert_allclose(cum, np.cumsum(flow), rtol=1e-12, atol=1e-3)  # a plain running sum
    assert not flow[37:].any() and cum[84] == cum[36] != 0  # sold at month 36: nothing after, the total kept
    late = generations.cohort_monthly["cumulative_cash_flow_cny"]["h800_2023"].to_numpy()
    assert not late[:12].any() and late[12] < 0  # before its purchase: nothing; at it: the capex


def test_servers_by_cohort_add_up_to_the_fleet(generations: PortfolioResult) -> None:
    servers = generations.cohort_monthly["servers_in_service"]
    np.testing.assert_array_equal(servers.sum(axis=1).to_numpy(),
                                  generations.fleet_total()["servers_in_service"].to_numpy())
    assert servers["a100_2022"].iloc[36] == 20 and servers["a100_2022"].iloc[37] == 0
    assert servers["h20_2025"].iloc[37:].max() == 20


def test_funding_costs_and_taxes_read_lower_is_better() -> None:
    from finmodel.model.portfolio_result import item

    for key in ("peak_funding_cny", "total_tax_cny", "total_standalone_tax_cny", "total_company_cost_cny"):
        assert item(key).lower_is_better, key
    for key in ("npv_cny", "irr", "total_revenue_cny", "tax_sheltered_cny", "moic"):
        assert not item(key).lower_is_better, key


# --------------------------------------------------------------------------- DSCR, shares and the fleet
def test_minimum_dscr_is_cash_after_tax_over_the_annuity_computed_by_hand(one: PortfolioResult,
                                                                          h800: schema.Scenario) -> None:
    # h800_training_cluster.toml: half of the 2,080万 capex borrowed at 4.5 % for 36 months, drawn at month 0
    loan, rate, term = 0.5 * 20_800_000.0, 0.045 / 12, 36
    payment = loan * rate / (1 - (1 + rate) ** -term)
    m = model.evaluate(h800).heavy_monthly
    cfads = (m["ebitda_cny"] - m["tax_cny"]).to_numpy()
    want = min(cfads[t] / payment for t in range(1, term + 1))
    assert one.company["min_dscr"] == pytest.approx(want, rel=1e-9)
    assert one.cohorts.loc["only", "min_dscr"] == pytest.approx(want, rel=1e-9)
    assert math.isnan(one.monthly["dscr"].iloc[term + 1]) and math.isfinite(one.monthly["dscr"].iloc[term])


TWO_PRICES = """
[general]
horizon_months = 36
[cohorts.a]
[cohorts.a.heavy]
servers = 2
price_cny_per_card_hour = 10
occupancy = 0.6
[cohorts.b]
purchase_month = 6
[cohorts.b.heavy]
servers = 3
price_cny_per_card_hour = 14
occupancy = 0.9
server_price_cny = 1200000
"""


def test_shares_blended_price_and_occupancy_from_the_cohorts_alone() -> None:
    p = portfolio.parse(TWO_PRICES)
    r = evaluate(p)
    alone = {c.name: model.evaluate(c.scenario.replace({"general.horizon_months": 36 - c.purchase_month}))
             for c in p.cohorts}
    totals = {k: {n: a.heavy_monthly[k].sum() for n, a in alone.items()}
              for k in ("revenue_cny", "ebitda_cny", "investment_cny")}
    for share, k in (("share_of_revenue", "revenue_cny"), ("share_of_ebitda", "ebitda_cny"),
                     ("share_of_capex", "investment_cny")):
        for name in ("a", "b"):
            assert r.cohorts.loc[name, share] == pytest.approx(totals[k][name] / sum(totals[k].values()), rel=1e-12)
    # blended price = Σ revenue ÷ Σ card-hours rented; occupancy = Σ rented ÷ Σ available (8 cards a server)
    revenue, rented, available = np.zeros(37), np.zeros(37), np.zeros(37)
    for c in p.cohorts:
        m, k = alone[c.name].heavy_monthly, c.purchase_month
        hours = m["in_service"].to_numpy() * c.scenario.heavy.servers * 8 * 8760 / 12
        revenue[k:] += m["revenue_cny"].to_numpy()
        rented[k:] += hours * m["occupancy"].to_numpy()
        available[k:] += hours
    fleet = r.fleet_total()
    live = available > 0
    np.testing.assert_allclose(fleet["owned_price_cny_per_card_hour"].to_numpy()[live], revenue[live] / rented[live],
                               rtol=1e-12)
    np.testing.assert_allclose(fleet["owned_occupancy"].to_numpy()[live], rented[live] / available[live], rtol=1e-12)
    assert 10 < fleet["owned_price_cny_per_card_hour"].iloc[20] < 14  # between the two cohorts' prices
    assert fleet["cards_in_service"].iloc[20] == 5 * 8
