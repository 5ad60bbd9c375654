"""A slow, obvious scalar twin of the heavy- and light-asset models.

Written independently of the vectorised engine (plain Python, one month at a time, iterative loan
schedule, explicit loss carry-forward) to check it. Not used by the package.
"""

from __future__ import annotations

import math

import numpy_financial as npf

from finmodel.schema import Scenario


def _payback(flows: list[float]) -> float:
    cum, c = [], 0.0
    for f in flows:
        c += f
        cum.append(c)
    if cum[-1] < 0:
        return math.nan
    crossing = None
    for t in range(1, len(cum)):
        if cum[t - 1] < 0 <= cum[t]:
            crossing = (t - 1) + (-cum[t - 1]) / flows[t]
    return 0.0 if crossing is None else crossing


def _irr_annual(flows: list[float]) -> float:
    r = npf.irr(flows)
    return (1 + r) ** 12 - 1 if r == r else math.nan


def heavy(s: Scenario) -> dict[str, float]:
    g, h = s.general, s.heavy
    H = g.horizon_months
    capex = h.servers * (h.server_price_cny + h.network_cost_cny + h.parts_cost_cny + h.other_infrastructure_cny)
    salvage = capex * h.salvage_fraction
    life = h.depreciation_life_years * 12
    hours = g.hours_per_year / 12
    billing = {"hourly": 1.0, "monthly": h.monthly_price_factor,
               "annual": h.monthly_price_factor * h.annual_discount_factor}[h.billing_mode]
    loan = capex * h.loan_share_of_capex
    r = h.loan_rate_per_year / 12
    n = h.loan_term_months
    pmt = loan * r / (1 - (1 + r) ** -n) if r > 0 else loan / n
    balance = loan
    book_prev = capex
    taxed = cum_ebt = 0.0
    equity = [-capex + loan]
    project = [-capex]
    revenue_total = gross_total = 0.0
    first_year_revenue = first_year_cash = first_year_dep = 0.0
    dep_total = 0.0
    terminal = 0.0
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
                energy = h.servers * h.power_kw_per_server * h.pue * h.electricity_cny_per_kwh * hours * load
            else:
                energy = h.servers * h.energy_fixed_cny_per_server_month
            om = h.om_share_of_revenue * rev + (h.servers * h.om_fixed_cny_per_server_month if live else 0.0)
            coloc = h.servers * h.colocation_cny_per_server_month if live else 0.0
            staff = h.staff_cny_per_month
            other = h.other_cny_per_month + h.other_share_of_revenue * rev
        cash = energy + om + coloc + staff + other + ratio_cost
        if h.depreciation_method == "straight_line":
            book = capex - (capex - salvage) * min(sm, life) / life
        else:
            rate = min(h.declining_balance_factor / life, 1.0)
            book = salvage if sm >= life else max(salvage, capex * (1 - rate) ** sm)
        dep = book_prev - book if live else 0.0
        book_prev = book
        interest = balance * r
        principal = min(balance, pmt - interest) if t <= n and balance > 0 else 0.0
        balance = max(balance - principal, 0.0)
        ebt = rev - cash - dep - interest
        cum_ebt += ebt
        new_taxed = max(taxed, cum_ebt)
        tax = g.tax_rate * (new_taxed - taxed)
        taxed = new_taxed
        ebitda = rev - cash
        project.append(ebitda - tax)
        eq = ebitda - tax - principal - interest
        if t == H:
            eq -= balance
            terminal = book * h.terminal_value_fraction
        equity.append(eq)
        revenue_total += rev
        gross_total += rev - energy - om - coloc - ratio_cost - dep
        dep_total += dep
        if 1 <= sm <= 12:
            first_year_revenue += rev
            first_year_cash += cash
            first_year_dep += dep
    d = g.discount_rate_per_year
    eq_t = equity[:-1] + [equity[-1] + terminal]
    disc = [f / (1 + d) ** (t / 12) for t, f in enumerate(equity)]
    return {
        "capex_cny": capex,
        "annual_revenue_cny": first_year_revenue,
        "annual_cash_cost_cny": first_year_cash,
        "annual_depreciation_cny": first_year_dep,
        "total_depreciation_cny": dep_total,
        "payback_months": _payback(equity),
        "discounted_payback_months": _payback(disc),
        "npv_cny": sum(f / (1 + d) ** (t / 12) for t, f in enumerate(eq_t)),
        "irr": _irr_annual(eq_t),
        "gross_margin": gross_total / revenue_total if revenue_total else math.nan,
        "terminal_value_cny": terminal,
    }


def light(s: Scenario) -> dict[str, float]:
    g, li, h = s.general, s.light, s.heavy
    p_server = li.p_per_server_override or h.cards_per_server * li.tflops_per_card / 1000
    card_price = h.price_cny_per_card_hour if li.price_cny_per_card_hour is None else li.price_cny_per_card_hour
    per_p = (card_price * h.cards_per_server * g.hours_per_year / p_server
             if li.sell_price_basis == "card_hour" else li.sell_price_cny_per_p_year)
    vas_net = li.vas_revenue_cny_per_p_year * (1 - li.vas_cost_share)
    be = (li.capacity_p * li.buy_price_cny_per_p_year + li.platform_fixed_cost_cny_per_month * 12) / (
        li.capacity_p * (per_p + vas_net)) if per_p + vas_net > 0 else math.nan
    return {"p_per_server": p_server, "revenue_cny_per_p_year": per_p,
            "spread_cny_per_p_year": per_p - li.buy_price_cny_per_p_year, "breakeven_occupancy": be}


# --------------------------------------------------------------------------- batch analyses, one at a time
# The sweep, tornado and goal-seek tests check the vectorised batch path against one plain
# ``model.evaluate`` per scenario.
def single(s: Scenario, changes: dict, metric: str) -> float:
    """The result ``metric`` (``model.key``) of ``s`` with ``changes``, evaluated on its own."""
    from finmodel import model
    from finmodel.model import results

    r = model.evaluate(s.replace(changes) if changes else s)
    m, key = results.split(metric)
    return getattr(r, m)[key]


def same(a: float, b: float, rel: float = 1e-12) -> bool:
    """Equal within ``rel`` (relative, at least absolute for |b| < 1); NaN equals NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(1.0, abs(b))
