"""Energy cost: power × PUE × tariff × hours, or a fixed amount per server-month."""

from __future__ import annotations


def load_fraction(occupancy, idle_power_fraction):
    """Average draw as a share of full load: rented share at full power, the rest idling. [fraction]"""
    return occupancy + (1 - occupancy) * idle_power_fraction


def metered_energy_cny(servers, power_kw_per_server, pue, electricity_cny_per_kwh, hours, load):
    """Electricity bill: servers × kW × PUE × ¥/kWh × hours × load. [CNY/month]"""
    return servers * power_kw_per_server * pue * electricity_cny_per_kwh * hours * load


def fixed_energy_cny(servers, energy_cny_per_server_month):
    """A flat electricity bill, e.g. about 6,000 元 per 8×A100 server-month (002:1460). [CNY/month]"""
    return servers * energy_cny_per_server_month
