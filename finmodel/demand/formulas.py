"""Demand formulas: pure vectorised functions from models and tokens to compute, GPUs, P and card-hours.

Every function takes numpy arrays (workloads axis first) and broadcasts; the seed's line is cited in
each docstring (002:1190-1290). **Compute efficiency (MFU)** is the share of a GPU's peak a workload
achieves while it runs; rental **occupancy** is the share of a lessor's card-hours that are rented.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# --------------------------------------------------------------------------- constants
SECONDS_PER_DAY = 86_400.0  # 24 × 60 × 60 (002:1203, 1253)
HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
HOURS_PER_YEAR = 8_760.0  # 24 × 365, as the seed's annual revenue (002:1522)
TRAINING_OPS_PER_PARAM_TOKEN = 6.0  # forward + backward pass (002:1194)
INFERENCE_OPS_PER_PARAM_TOKEN = 2.0  # forward pass only (002:1239)
TERA = 1e12  # TFLOPS → FLOP/s
TERA_PER_P = 1_000.0  # 1 P = 1 PFLOPS = 1,000 TFLOPS (002:26)


# --------------------------------------------------------------------------- pure functions
def _a(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def training_compute_flop(parameters: ArrayLike, tokens: ArrayLike) -> FloatArray:
    """Total training compute of one run: 6 × parameters × tokens (002:1194). [FLOP]"""
    return TRAINING_OPS_PER_PARAM_TOKEN * _a(parameters) * _a(tokens)


def training_rate_flop_per_s(compute_flop: ArrayLike, duration_days: ArrayLike) -> FloatArray:
    """Sustained compute rate a run needs to finish in ``duration_days``. [FLOP/s]

    The seed labels this "FLOPs" (002:1194, 1203); it is a rate, FLOP per second."""
    return _a(compute_flop) / (_a(duration_days) * SECONDS_PER_DAY)


def daily_tokens(daily_visits: ArrayLike, questions_per_visit: ArrayLike, tokens_per_question: ArrayLike) -> FloatArray:
    """Tokens processed per day: visits × questions per visit × tokens per question (002:1237). [tokens/day]"""
    return _a(daily_visits) * _a(questions_per_visit) * _a(tokens_per_question)


def inference_rate_ops_per_s(parameters: ArrayLike, tokens_per_day: ArrayLike) -> FloatArray:
    """Average inference compute rate: 2 × parameters × tokens/day ÷ 86,400 s (002:1239). [OP/s]

    The seed's denominator is labelled "单次训练秒数" but used as one day (002:1253)."""
    return INFERENCE_OPS_PER_PARAM_TOKEN * _a(parameters) * _a(tokens_per_day) / SECONDS_PER_DAY


def gpus_needed(rate_per_s: ArrayLike, peak_tflops: ArrayLike, compute_efficiency: ArrayLike) -> FloatArray:
    """GPUs = rate ÷ (peak per GPU × compute efficiency) (002:1196). [GPUs, fractional]

    ``peak_tflops`` is 10^12 operations/s at the workload's precision (TFLOPS for FP16, TOPS for
    INT8); ``compute_efficiency`` is MFU, the achieved share of that peak."""
    return _a(rate_per_s) / (_a(peak_tflops) * TERA * _a(compute_efficiency))


def implied_compute_efficiency(compute_flop: ArrayLike, gpus: ArrayLike, duration_days: ArrayLike,
                               peak_tflops: ArrayLike) -> FloatArray:
    """MFU implied by a reported run: compute ÷ (GPUs × seconds × peak). [fraction]

    The inverse of :func:`gpus_needed`, used to cross-check the seed's 45 % (see docs/demand.md)."""
    seconds = _a(duration_days) * SECONDS_PER_DAY
    return _a(compute_flop) / (_a(gpus) * seconds * _a(peak_tflops) * TERA)


def p_needed(gpus: ArrayLike, peak_tflops: ArrayLike) -> FloatArray:
    """Installed peak compute of the GPUs, in P (1 P = 1,000 TFLOPS, or 1,000 TOPS for INT8). [P]"""
    return _a(gpus) * _a(peak_tflops) / TERA_PER_P


def busy_fraction(runs_per_year: ArrayLike, run_hours: ArrayLike,
                  hours_per_year: ArrayLike = HOURS_PER_YEAR) -> FloatArray:
    """Share of the year a training workload's GPUs are busy: runs × run hours ÷ hours per year,
    capped at 1; NaN runs (unset) mean back-to-back runs, i.e. 1. [fraction]"""
    runs = _a(runs_per_year)
    with np.errstate(invalid="ignore"):
        share = np.minimum(runs * _a(run_hours) / _a(hours_per_year), 1.0)
    return np.where(np.isnan(runs), 1.0, share)


def market_value_cny_per_year(gpu_hours_per_year: ArrayLike, price_cny_per_card_hour: ArrayLike) -> FloatArray:
    """Value of the demand at a rental price: card-hours per year × price per card-hour. [CNY/year]"""
    return _a(gpu_hours_per_year) * _a(price_cny_per_card_hour)


def servers_needed(gpu_hours_per_year: ArrayLike, share: ArrayLike, cards_per_server: ArrayLike,
                   occupancy: ArrayLike = 1.0, hours_per_year: ArrayLike = HOURS_PER_YEAR) -> npt.NDArray[np.int64]:
    """Servers a lessor needs to serve ``share`` of a demand at a rental ``occupancy``. [servers]

    servers = ceil(card-hours/year × share ÷ (cards per server × hours per year × occupancy)).
    Occupancy is the share of the lessor's own card-hours that are rented: at 0.7 the fleet must
    be 1/0.7 times the cards it rents out on average. For demand that runs all year (inference,
    back-to-back training) card-hours ÷ hours = GPUs, so this is ceil(GPUs × share ÷ (cards ×
    occupancy)). Zero share needs zero servers; any positive demand needs at least one (a demand so
    small that the division underflows to 0 still needs a server)."""
    wanted = _a(gpu_hours_per_year) * _a(share)
    cards = wanted / (_a(hours_per_year) * _a(occupancy))
    # shave relative float noise (64.00000000000001 cards is 8 servers, not 9) before the ceiling
    servers = np.ceil(cards / _a(cards_per_server) * (1 - 1e-12))
    return np.where(wanted > 0, np.maximum(servers, 1), servers).astype(np.int64)
