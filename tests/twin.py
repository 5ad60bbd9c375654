"""A slow, obvious scalar twin of the heavy- and light-asset models.

Written independently of the vectorised engine (plain Python, one month at a time, iterative loan
schedule and depreciation, explicit loss carry-forward, a search for the peak) to check it. Not used
by the package. Definitions: docs/model.md.
"""

from __future__ import annotations

import math

import numpy_financial as npf

from finmodel.schema import Scenario, catalog


def _cumulative(flows: list[float]) -> list[float]:
    cum, c = [], 0.0
    for f in flows:
        c += f
        cum.append(c)
    return cum


def _payback(flows: list[float]) -> float:
    cum = _cumulative(flows)
    if not cum[-1] >= 0:
        return math.nan
    crossing = None
    for t in range(1, len(cum)):
        if cum[t - 1] < 0 <= cum[t]:
            crossing = (t - 1) + (-cum[t - 1]) / flows[t]
    return 0.0 if crossing is None else crossing


def _irr_annual(flows: list[float]) -> float:
    r = npf.irr(flows)
    return (1 + r) ** 12 - 1 if r == r else math.nan


def _npv(rate: float, flows: list[float]) -> float:
    return sum(f / (1 + rate) ** (t / 12) for t, f in enumerate(flows))


def _discounted(rate: float, flows: list[float]) -> list[float]:
    return [f / (1 + rate) ** (t / 12) for t, f in enumerate(flows)]


def yearly_depreciation(method: str, capex: float, salvage: float, years: int) -> list[float]:
    """The CAS by-year methods: each service year's charge. [CNY/year]"""
    if method == "sum_of_years":
        digits = years * (years + 1) / 2
        return [(capex - salvage) * (years - y + 1) / digits for y in range(1, years + 1)]
    if years <= 2:  # double declining over one or two years is straight line
        return [(capex - salvage) / years] * years
    out, nbv = [], capex
    for _ in range(1, years - 1):  # years 1 .. N-2: 2/N of the opening value, never below salvage
        charge = min(nbv * 2 / years, max(nbv - salvage, 0.0))
        out.append(charge)
        nbv -= charge
    last_two = (nbv - salvage) / 2  # the last two years: straight line down to salvage
    return out + [last_two, last_two]


def monthly_book_values(h, capex: float, salvage: float) -> list[float]:
    """Book value after s = 0, 1, … service months (up to the life and beyond). [CNY]"""
    life = h.depreciation_life_years * 12
    if h.depreciation_method == "straight_line":
        return [capex - (capex - salvage) * min(s, life) / life for s in range(0, 4000)]
    book, nbv = [capex], capex
    if h.depreciation_method == "declining_balance_monthly":
        rate = min(h.declining_balance_factor / life, 1.0)
        for s in range(1, life + 1):
            charge = max(nbv * rate, (nbv - salvage) / (life - s + 1))  # switch to straight line when larger
            nbv -= min(charge, nbv - salvage)
            book.append(nbv)
    else:
        for amount in yearly_depreciation(h.depreciation_method, capex, salvage, h.depreciation_life_years):
            for _ in range(12):
                nbv -= amount / 12
                book.append(nbv)
    return book + [salvage] * 4000


def _terminal(h, capex: float, book: float, service_months: int) -> float:
    if h.terminal_value_method == "resale_fraction":
        return capex * h.resale_fraction_of_capex
    if h.terminal_value_method == "resale_decline":
        return capex * (1 - h.resale_decline_per_year) ** (service_months / 12)
    return book * h.terminal_value_fraction


class _Tax:
    """Income tax with unlimited loss carry-forward, one month at a time."""

    def __init__(self, rate: float) -> None:
        self.rate, self.cum, self.taxed = rate, 0.0, 0.0

    def month(self, profit: float) -> float:
        self.cum += profit
        before, self.taxed = self.taxed, max(self.taxed, self.cum)
        self.before = before
        return self.rate * (self.taxed - before)

    def disposal(self, gain: float) -> float:
        """Extra tax (negative: less tax) this month when a disposal gain is added to its profit."""
        return self.rate * (max(self.before, self.cum + gain) - self.taxed)


def heavy(s: Scenario) -> dict[str, float]:
    g, h = s.general, s.heavy
    H = g.horizon_months
    capex = h.servers * (h.server_price_cny + h.network_cost_cny + h.parts_cost_cny + h.other_infrastructure_cny)
    salvage = capex * h.salvage_fraction
    life = h.depreciation_life_years * 12
    hours = g.hours_per_year / 12
    power = catalog.GPUS[h.gpu].server_power_kw if h.power_kw_per_server is None else h.power_kw_per_server
    billing = {"hourly": 1.0, "monthly": h.monthly_price_factor,
               "annual": h.monthly_price_factor * h.annual_discount_factor}[h.billing_mode]
    loan = capex * h.loan_share_of_capex
    r = h.loan_rate_per_year / 12
    n = h.loan_term_months
    pmt = loan * r / (1 - (1 + r) ** -n) if r > 0 else loan / n
    balance = loan
    books = monthly_book_values(h, capex, salvage)
    tax, project_tax = _Tax(g.tax_rate), _Tax(g.tax_rate)
    equity, project = [-capex + loan], [-capex]
    equity_all, project_all = [-capex + loan], [-capex]
    revenue_total = gross_total = 0.0
    first_year_revenue = first_year_cash = first_year_dep = 0.0
    dep_total = terminal = 0.0
    for t in range(1, H + 1):
        sm = max(0, t - h.lead_time_months)
        live = sm >= 1
        if not live:
            occ = 0.0
        elif h.ramp_months == 0:
            occ = h.occupancy
        else:
            occ = h.occupancy_start + (h.occupancy - h.occupancy_start) * min(1.0, (sm - 1) / h.ramp_months)
        price = h.price_cny_per_card_hour * (1 + h.price_change_per_year) ** ((sm - 1) // 12) if live else 0.0
        rev = h.servers * h.cards_per_server * price * billing * hours * occ
        if h.cash_cost_method == "ratio":
            share = h.noncash_share_of_cost
            ratio_cost = (capex - salvage) / life / share * (1 - share) if live else 0.0
            energy = om = coloc = staff = other = 0.0
        else:
            ratio_cost = 0.0
            if not live:
                energy = 0.0
            elif h.energy_method == "metered":
                load = occ + (1 - occ) * h.idle_power_fraction
                energy = h.servers * power * h.pue * h.electricity_cny_per_kwh * hours * load
            else:
                energy = h.servers * h.energy_fixed_cny_per_server_month
            om = h.om_share_of_revenue * rev + (h.servers * h.om_fixed_cny_per_server_month if live else 0.0)
            coloc = h.servers * h.colocation_cny_per_server_month if live else 0.0
            staff = h.staff_cny_per_month
            other = h.other_cny_per_month + h.other_share_of_revenue * rev
        cash = energy + om + coloc + staff + other + ratio_cost
        dep = books[sm - 1] - books[sm] if live else 0.0
        interest = balance * r
        principal = min(balance, pmt - interest) if t <= n and balance > 0 else 0.0
        balance = max(balance - principal, 0.0)
        ebitda = rev - cash
        income_tax = tax.month(ebitda - dep - interest)
        ebit_tax = project_tax.month(ebitda - dep)
        equity.append(ebitda - income_tax - principal - interest)
        project.append(ebitda - ebit_tax)
        equity_all.append(equity[-1])
        project_all.append(project[-1])
        if t == H:  # horizon-end settlements: the loan balance, the terminal value after tax on its gain
            terminal = _terminal(h, capex, books[sm], sm)
            equity_all[-1] += -balance + terminal - tax.disposal(terminal - books[sm])
            project_all[-1] += terminal - project_tax.disposal(terminal - books[sm])
        revenue_total += rev
        gross_total += rev - energy - om - coloc - ratio_cost - dep
        dep_total += dep
        if 1 <= sm <= 12:
            first_year_revenue += rev
            first_year_cash += cash
            first_year_dep += dep
    d = g.discount_rate_per_year
    pd = d if g.project_discount_rate_per_year is None else g.project_discount_rate_per_year
    cum = _cumulative(equity)
    peak = max(0.0, -min(cum))
    invested = capex - loan
    return {
        "capex_cny": capex,
        "annual_revenue_cny": first_year_revenue,
        "annual_cash_cost_cny": first_year_cash,
        "annual_depreciation_cny": first_year_dep,
        "total_depreciation_cny": dep_total,
        "payback_months": _payback(equity),
        "discounted_payback_months": _payback(_discounted(d, equity)),
        "npv_cny": _npv(d, equity_all),
        "irr": _irr_annual(equity_all),
        "project_payback_months": _payback(project),
        "project_discounted_payback_months": _payback(_discounted(pd, project)),
        "project_npv_cny": _npv(pd, project_all),
        "project_irr": _irr_annual(project_all),
        "peak_funding_cny": peak,
        "peak_funding_month": float(cum.index(min(cum))) if peak > 0 else math.nan,
        "roi": sum(equity_all) / invested if invested else math.nan,
        "moic": (sum(equity_all) + peak) / peak if peak > 0 else math.nan,
        "gross_margin": gross_total / revenue_total if revenue_total else math.nan,
        "terminal_value_cny": terminal,
    }


def light(s: Scenario) -> dict[str, float]:
    g, li, h = s.general, s.light, s.heavy
    H = g.horizon_months
    tflops = li.tflops_per_card
    if tflops is None:
        tflops = catalog.GPUS[li.gpu or h.gpu].dense_tflops(li.precision)
    p_server = li.p_per_server_override or h.cards_per_server * tflops / 1000
    card_price = h.price_cny_per_card_hour if li.price_cny_per_card_hour is None else li.price_cny_per_card_hour
    per_p = (card_price * h.cards_per_server * g.hours_per_year / p_server
             if li.sell_price_basis == "card_hour" else li.sell_price_cny_per_p_year)
    vas_net = li.vas_revenue_cny_per_p_year * (1 - li.vas_cost_share)
    cap, fixed = li.capacity_p, li.platform_fixed_cost_cny_per_month
    be = ((cap * li.buy_price_cny_per_p_year + fixed * 12) / (cap * (per_p + vas_net)) if per_p + vas_net > 0
          else math.nan)
    term = H if li.buy_term_months is None else li.buy_term_months
    life = li.platform_life_years * 12
    tax = _Tax(g.tax_rate)
    flows, yearly = [-li.platform_investment_cny], []
    for t in range(1, H + 1):
        year = (t - 1) // 12
        sell = per_p * (1 + li.price_change_per_year) ** year
        buy = li.buy_price_cny_per_p_year * (1 + li.buy_price_change_per_year) ** year
        active = li.after_buy_term == "rebuy" or t <= term
        if li.ramp_months == 0:
            occ = li.occupancy
        else:
            occ = li.occupancy_start + (li.occupancy - li.occupancy_start) * min(1.0, (t - 1) / li.ramp_months)
        resold = cap * occ if active else 0.0
        revenue = resold * (sell + li.vas_revenue_cny_per_p_year) / 12
        cost = (cap * buy if active else 0.0) / 12 + resold * li.vas_revenue_cny_per_p_year * li.vas_cost_share / 12
        ebitda = revenue - cost - fixed
        amortisation = li.platform_investment_cny / life if t <= life else 0.0
        flows.append(ebitda - tax.month(ebitda - amortisation))
        if active and sell + vas_net > 0:
            yearly.append((t, (cap * buy + fixed * 12) / (cap * (sell + vas_net))))
    worst = max((v for _, v in yearly), default=math.nan)
    worst_month = next((t for t, v in yearly if v >= worst), None)
    no_investment = li.platform_investment_cny == 0
    return {"p_per_server": p_server, "tflops_per_card": tflops, "revenue_cny_per_p_year": per_p,
            "spread_cny_per_p_year": per_p - li.buy_price_cny_per_p_year, "breakeven_occupancy": be,
            "worst_breakeven_occupancy": worst,
            "worst_breakeven_year": math.nan if worst_month is None else float((worst_month - 1) // 12 + 1),
            "payback_months": math.nan if no_investment else _payback(flows),
            "npv_cny": _npv(g.discount_rate_per_year, flows)}
