"""Operating costs besides energy: O&M, colocation, staff, other, and the seed's ratio shortcut."""

from __future__ import annotations


def om_cny(om_share_of_revenue, revenue_cny, servers, om_fixed_cny_per_server_month, active):
    """O&M (bandwidth, tech service, maintenance): share of revenue + fixed per server. [CNY/month]"""
    return om_share_of_revenue * revenue_cny + servers * om_fixed_cny_per_server_month * active


def colocation_cny(servers, colocation_cny_per_server_month, active):
    """Rack rent / hosting (托管成本, 002:1440) while servers are in service. [CNY/month]"""
    return servers * colocation_cny_per_server_month * active


def fixed_cost_cny(cny_per_month, active):
    """A fixed monthly cost (staff, other) in active months. [CNY/month]"""
    return cny_per_month * active


def ratio_cash_cost_cny(depreciation_per_month_cny, noncash_share_of_cost, active):
    """The seed's shortcut: cash cost = depreciation ÷ non-cash share × cash share
    (36 ÷ 60 % × 40 % = 24万/year, 002:1516), charged while in service. [CNY/month]"""
    return depreciation_per_month_cny / noncash_share_of_cost * (1 - noncash_share_of_cost) * active
