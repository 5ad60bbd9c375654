"""A batch whose rows have their own horizons (the cohorts of a portfolio) equals each scenario
evaluated alone, bit for bit: every result, and every monthly cell up to the row's horizon."""

from __future__ import annotations

import math

import numpy as np
import pytest

from finmodel import model, schema
from finmodel.model import heavy, run
from tests.conftest import random_scenario

H = "general.horizon_months"


def _alone(base: schema.Scenario, changes: dict[str, float]) -> model.Result:
    return model.evaluate(base.replace(changes))


@pytest.mark.parametrize("seed", [3, 17])
def test_rows_with_their_own_horizons_equal_each_scenario_alone_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = random_scenario(rng, horizon=60)
    n = 30
    overrides = {H: rng.integers(6, 121, n), "heavy.price_cny_per_card_hour": rng.uniform(5, 40, n),
                 "heavy.lead_time_months": rng.integers(0, 6, n), "light.occupancy": rng.uniform(0.2, 1.0, n)}
    params, horizon = model.batch_params(base, overrides)
    assert isinstance(horizon, np.ndarray) and np.array_equal(horizon, overrides[H])
    batch = model.evaluate_batch(params, horizon, rows=True)
    assert batch.horizon_months == overrides[H].max()
    np.testing.assert_array_equal(batch.row_horizons, overrides[H])
    compared = 0
    for i in range(n):
        one = _alone(base, {k: v[i].item() for k, v in overrides.items()})
        h = int(overrides[H][i])
        for name in ("heavy", "light"):
            got, want, monthly = getattr(batch, name), getattr(one, name), getattr(one, name + "_monthly")
            for key, v in got.items():
                if v.ndim == 1:
                    assert (math.isnan(v[i]) and math.isnan(want[key])) or v[i] == want[key], (name, key, i)
                else:
                    np.testing.assert_array_equal(v[i, : h + 1], monthly[key].to_numpy(), err_msg=f"{name}.{key}")
                compared += 1
    assert compared > n * 100


def test_flows_after_a_rows_horizon_are_zero(seed: schema.Scenario) -> None:
    params, horizon = model.batch_params(seed, {H: np.array([12, 24])})
    batch = model.evaluate_batch(params, horizon, rows=True, models=("heavy",))
    for it in heavy.ITEMS:
        if it.flow and it.kind == "row" and it.key != "discounted_cash_flow_cny":
            assert not batch.heavy[it.key][0, 13:].any(), it.key


def test_results_that_reduce_a_row_are_found_by_tracing(seed: schema.Scenario) -> None:
    late = run.row_reducing_results(heavy.ALL)
    assert {"payback_months", "npv_cny", "irr", "total_revenue_cny", "annual_revenue_cny", "roi"} <= late
    assert not {"capex_cny", "price_cny_per_server_hour"} & late
    # issue 12: the loan drawn may be sized on the CFADS rows (financing.sizing = target_dscr), so the
    # loan and every scalar of its schedule reduce a row
    assert {"loan_cny", "loan_payment_cny", "debt_start_balance_cny"} <= late


def test_one_horizon_per_row_must_match_the_batch(seed: schema.Scenario) -> None:
    params, _ = model.batch_params(seed, {"heavy.occupancy": np.array([0.5, 0.6, 0.7])})
    with pytest.raises(ValueError, match="one horizon per row: got 2 horizons for a batch of 3"):
        model.evaluate_batch(params, np.array([12, 24]))
