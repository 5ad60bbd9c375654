"""Shared fixtures: the repository root, the shipped presets, random valid scenarios."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from finmodel import schema

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "assumptions").glob("*.toml"))
SEED_FILE = ROOT / "assumptions" / "seed_fs2024.toml"
SEED_PRINTED_FILE = ROOT / "assumptions" / "seed_fs2024_printed.toml"


@pytest.fixture(scope="session")
def seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


@pytest.fixture(scope="session")
def presets() -> list[schema.Scenario]:
    return [schema.load(p) for p in PRESETS]


def random_scenario(rng: np.random.Generator, *, horizon: int | None = None) -> schema.Scenario:
    """A random valid scenario exercising every switch: lead time, ramps, billing modes, both
    cash-cost methods, both depreciation methods, loans, tax, light-asset options."""
    choice = lambda opts: opts[int(rng.integers(len(opts)))]  # noqa: E731
    u = lambda a, b: float(rng.uniform(a, b))  # noqa: E731
    heavy = {
        "servers": int(rng.integers(1, 20)),
        "cards_per_server": int(choice([4, 8])),
        "server_price_cny": u(5e5, 3e6),
        "network_cost_cny": u(0, 3e5),
        "parts_cost_cny": u(0, 2e5),
        "other_infrastructure_cny": u(0, 1e5),
        "lead_time_months": int(rng.integers(0, 6)),
        "depreciation_method": choice(["straight_line", "declining_balance"]),
        "depreciation_life_years": int(rng.integers(2, 8)),
        "salvage_fraction": u(0, 0.2),
        "declining_balance_factor": u(1.2, 2.5),
        "terminal_value_fraction": u(0, 1),
        "price_cny_per_card_hour": u(3, 40),
        "billing_mode": choice(["hourly", "monthly", "annual"]),
        "monthly_price_factor": u(0.5, 1.0),
        "annual_discount_factor": u(0.8, 1.0),
        "occupancy": u(0.2, 1.0),
        "occupancy_start": u(0, 0.5),
        "ramp_months": int(rng.integers(0, 12)),
        "price_change_per_year": u(-0.3, 0.1),
        "cash_cost_method": choice(["ratio", "bottom_up"]),
        "noncash_share_of_cost": u(0.4, 0.9),
        "energy_method": choice(["metered", "fixed"]),
        "power_kw_per_server": u(2, 12),
        "pue": u(1.05, 1.8),
        "electricity_cny_per_kwh": u(0.3, 1.0),
        "idle_power_fraction": u(0, 0.5),
        "energy_fixed_cny_per_server_month": u(2000, 15000),
        "om_share_of_revenue": u(0, 0.2),
        "om_fixed_cny_per_server_month": u(0, 3000),
        "colocation_cny_per_server_month": u(0, 10000),
        "staff_cny_per_month": u(0, 80000),
        "other_cny_per_month": u(0, 20000),
        "other_share_of_revenue": u(0, 0.08),
        "loan_share_of_capex": choice([0.0, u(0.1, 0.8)]),
        "loan_rate_per_year": choice([0.0, u(0.02, 0.1)]),
        "loan_term_months": int(rng.integers(6, 72)),
    }
    light = {
        "buy_price_cny_per_p_year": u(5e4, 3e5),
        "sell_price_basis": choice(["card_hour", "p_year"]),
        "sell_price_cny_per_p_year": u(1e5, 7e5),
        "tflops_per_card": u(100, 1000),
        "p_per_server_override": choice([None, u(1, 10)]),
        "price_cny_per_card_hour": choice([None, u(3, 40)]),
        "capacity_p": u(1, 500),
        "occupancy": u(0.2, 1.0),
        "occupancy_start": u(0, 0.5),
        "ramp_months": int(rng.integers(0, 12)),
        "price_change_per_year": u(-0.2, 0.1),
        "vas_revenue_cny_per_p_year": u(0, 5e4),
        "vas_cost_share": u(0, 0.6),
        "platform_fixed_cost_cny_per_month": u(0, 3e5),
        "platform_investment_cny": u(0, 5e6),
        "platform_life_years": int(rng.integers(1, 8)),
    }
    general = {
        "horizon_months": horizon if horizon is not None else int(rng.integers(12, 97)),
        "discount_rate_per_year": u(0, 0.2),
        "tax_rate": choice([0.0, 0.15, 0.25]),
        "hours_per_year": choice([8760.0, 8784.0, 8400.0]),
    }
    data = {"name": f"random-{int(rng.integers(1_000_000))}", "general": general, "heavy": heavy,
            "light": {k: v for k, v in light.items() if v is not None}}
    return schema.validate(data)


def require_binary(name: str) -> str:
    """Path of a system binary; skip without it, but fail where CI is set."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (scripts/install_system_deps.sh installs it)")
        pytest.skip(f"{name} not installed (run scripts/install_system_deps.sh)")
    return path
