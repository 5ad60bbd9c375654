"""Rental revenue: card-hour pricing, billing modes, occupancy ramp and price path."""

from __future__ import annotations

from finmodel.model.expr import MONTHS_PER_YEAR, TFLOPS_PER_PFLOPS, floor, maximum, minimum, safe_div, where


def billing_factor(is_monthly, is_annual, monthly_price_factor, annual_discount_factor):
    """Effective price ÷ on-demand hourly list price for the billing mode. [×]

    hourly → 1; monthly → monthly factor; annual → monthly factor × annual discount (8.5折 = 0.85,
    002:1496)."""
    return where(is_annual, monthly_price_factor * annual_discount_factor,
                 where(is_monthly, monthly_price_factor, 1))


def occupancy_path(s, occupancy, occupancy_start, ramp_months):
    """Share of capacity rented in service month ``s``: linear ramp from the initial value in
    month 1 to the steady value in month ``ramp_months + 1``; 0 before service. [fraction]"""
    progress = minimum(safe_div(maximum(s - 1, 0), ramp_months), 1)
    ramped = where(ramp_months > 0, occupancy_start + (occupancy - occupancy_start) * progress, occupancy)
    return where(s >= 1, ramped, 0)


def price_path(price, change_per_year, s):
    """Price in service month ``s``, stepping by ``change_per_year`` each service year. [price unit]"""
    years = floor(maximum(s - 1, 0) / MONTHS_PER_YEAR)
    return price * (1 + change_per_year) ** years


def rental_revenue_cny(servers, cards_per_server, price_cny_per_card_hour, billing, hours, occupancy):
    """Monthly rental revenue: cards × price × billing factor × hours × occupancy. [CNY/month]"""
    return servers * cards_per_server * price_cny_per_card_hour * billing * hours * occupancy


def p_per_card(tflops_per_card):
    """Compute per card in P (1 P = 1 PFLOPS = 1,000 TFLOPS). [P/card]"""
    return tflops_per_card / TFLOPS_PER_PFLOPS


def p_per_server(cards_per_server, tflops_per_card):
    """Compute per server in P: 8 × 312 ÷ 1000 = 2.496 P for 8×A100 (002:1542). [P/server]"""
    return cards_per_server * tflops_per_card / TFLOPS_PER_PFLOPS


def revenue_cny_per_p_year(price_cny_per_card_hour, cards_per_server, hours_per_year, p_server):
    """Card-hour price expressed per P per year: one server's annual revenue ÷ its P
    (the seed's 157.7万 ÷ 2.5 P, 002:1544). [CNY/P/year]"""
    return price_cny_per_card_hour * cards_per_server * hours_per_year / p_server
