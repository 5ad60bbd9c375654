"""Purchase, depreciation life, the monthly charge, and what the servers are worth at the horizon.

Book-value schedules by method are in :mod:`finmodel.model.depreciation`."""

from __future__ import annotations

from finmodel.model.expr import MONTHS_PER_YEAR, where


def capex_per_server_cny(server_price_cny, network_cost_cny, parts_cost_cny, other_infrastructure_cny):
    """Capex of one server bundle: 145万 + 20万 + 15万 = 180万 in the seed (002:1508). [CNY/server]"""
    return server_price_cny + network_cost_cny + parts_cost_cny + other_infrastructure_cny


def life_months(life_years):
    """Depreciation life in months. [months]"""
    return life_years * MONTHS_PER_YEAR


def depreciation_cny(book_prev, book, s):
    """Depreciation in a month: the fall in book value; 0 before service. [CNY/month]"""
    return where(s >= 1, book_prev - book, 0)


def straight_line_per_month_cny(capex_cny, salvage_cny, life_m):
    """Average monthly depreciation (capex − salvage) ÷ life: 3万/month in the seed (002:1451). [CNY/month]"""
    return (capex_cny - salvage_cny) / life_m


def declined_resale_cny(capex_cny, resale_decline_per_year, s):
    """Resale value after ``s`` service months falling by a share each service year:
    capex × (1 − decline)^(s/12). [CNY]"""
    return capex_cny * (1 - resale_decline_per_year) ** (s / MONTHS_PER_YEAR)


def terminal_value_cny(book_value, resale_fraction, resale_decline, book_share_cny, fraction_value_cny, declined_cny):
    """What the fleet is worth at the end of its service, by the method whose flag is 1: book value ×
    terminal fraction (``book_share_cny``, the default); capex × resale fraction
    (``fraction_value_cny``); or the resale value declined by a share each service year
    (``declined_cny``, :func:`declined_resale_cny`). [CNY]"""
    return where(book_value, book_share_cny,
                 where(resale_fraction, fraction_value_cny, where(resale_decline, declined_cny, 0)))
