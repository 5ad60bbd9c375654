"""Purchase, depreciation schedules and residual value."""

from __future__ import annotations

from finmodel.model.expr import MONTHS_PER_YEAR, maximum, minimum, where


def capex_per_server_cny(server_price_cny, network_cost_cny, parts_cost_cny, other_infrastructure_cny):
    """Capex of one server bundle: 145万 + 20万 + 15万 = 180万 in the seed (002:1508). [CNY/server]"""
    return server_price_cny + network_cost_cny + parts_cost_cny + other_infrastructure_cny


def life_months(life_years):
    """Depreciation life in months. [months]"""
    return life_years * MONTHS_PER_YEAR


def book_value_cny(capex_cny, salvage_cny, life_m, s, declining, db_factor):
    """Net book value after ``s`` months of service. [CNY]

    Straight line: ``capex − (capex − salvage) × min(s, life) / life`` (the seed, 002:1512).
    Declining balance: ``max(salvage, capex × (1 − factor/life)^s)``, written down to salvage at
    the end of the life. Both reach the salvage value exactly at ``s = life``."""
    straight = capex_cny - (capex_cny - salvage_cny) * minimum(s, life_m) / life_m
    rate = db_factor / life_m
    declined = where(s >= life_m, salvage_cny, maximum(salvage_cny, capex_cny * (1 - minimum(rate, 1)) ** s))
    return where(declining, declined, straight)


def depreciation_cny(book_prev, book, s):
    """Depreciation in a month: the fall in book value; 0 before service. [CNY/month]"""
    return where(s >= 1, book_prev - book, 0)


def straight_line_per_month_cny(capex_cny, salvage_cny, life_m):
    """Average monthly depreciation (capex − salvage) ÷ life: 3万/month in the seed (002:1451). [CNY/month]"""
    return (capex_cny - salvage_cny) / life_m
