"""Sizing: workloads to a :class:`Demand` in one vectorised pass, and the fleet a heavy-asset
lessor buys to serve a share of it (:func:`fleet`), bridged to the heavy-asset model by
:func:`fleet_scenario`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from finmodel import schema
from finmodel.demand.formulas import (
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    ArrayLike,
    FloatArray,
    busy_fraction,
    daily_tokens,
    gpus_needed,
    inference_rate_ops_per_s,
    market_value_cny_per_year,
    p_needed,
    servers_needed,
    training_compute_flop,
    training_rate_flop_per_s,
)
from finmodel.demand.workloads import WORKLOAD_FIELDS, Workload, WorkloadSet
from finmodel.schema import Finite, Problem, Scenario, ScenarioError, field_specs, fld

if TYPE_CHECKING:
    import pandas as pd


def to_arrays(workloads: Sequence[Workload]) -> dict[str, np.ndarray]:
    """Numeric view of workloads, one array per column (workload axis first), NaN = unset."""
    out: dict[str, np.ndarray] = {}
    for col, spec in WORKLOAD_FIELDS.items():
        vals = [getattr(w, col) for w in workloads]
        if spec.kind in ("float", "int"):
            out[col] = np.array([np.nan if v is None else float(v) for v in vals], dtype=float)
        else:
            out[col] = np.array(vals, dtype=object)
    out["is_training"] = out["kind"] == "training"
    out["peak_tflops"] = np.array([w.peak_tflops for w in workloads], dtype=float)
    return out


@dataclass(frozen=True)
class Demand:
    """Sized demand, one entry per workload (arrays of shape (n,)); NaN where not applicable.

    Rates are per model; ``gpus``, GPU-hours, ``p_needed`` are for all ``models`` of the row."""

    names: tuple[str, ...]
    kind: np.ndarray
    gpu: np.ndarray
    precision: np.ndarray
    models: FloatArray
    tokens_per_day: FloatArray  # inference only [tokens/day per model]
    compute_flop_per_run: FloatArray  # training only [FLOP per run per model]
    compute_rate_per_s: FloatArray  # per model [FLOP/s for FP16, OP/s for INT8]
    peak_tflops: FloatArray  # per GPU at the precision [TFLOPS or TOPS]
    compute_efficiency: FloatArray  # MFU [fraction]
    gpus_per_model: FloatArray  # [GPUs]
    gpus: FloatArray  # all models [GPUs]
    p_needed: FloatArray  # installed peak of those GPUs [P at the precision]
    run_hours: FloatArray  # training only [hours per run]
    gpu_hours_per_run: FloatArray  # training only, all models [card-hours per run]
    busy_fraction: FloatArray  # share of the year the GPUs are busy [fraction]
    gpu_hours_per_year: FloatArray  # all models [card-hours/year]
    hours_per_year: float

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def average_gpus(self) -> FloatArray:
        """Cards busy on average over the year: card-hours ÷ hours per year. [GPUs]"""
        return self.gpu_hours_per_year / self.hours_per_year

    def frame(self, price_cny_per_card_hour: ArrayLike | None = None) -> pd.DataFrame:
        """One row per workload; with a price, adds ``market_value_cny_per_year``."""
        import pandas as pd

        cols = ["kind", "gpu", "precision", "models", "tokens_per_day", "compute_flop_per_run",
                "compute_rate_per_s", "peak_tflops", "compute_efficiency", "gpus_per_model", "gpus", "p_needed",
                "run_hours", "gpu_hours_per_run", "busy_fraction", "gpu_hours_per_year"]
        df = pd.DataFrame({c: getattr(self, c) for c in cols}, index=pd.Index(self.names, name="workload"))
        if price_cny_per_card_hour is not None:
            df["market_value_cny_per_year"] = market_value_cny_per_year(self.gpu_hours_per_year,
                                                                        price_cny_per_card_hour)
        return df


def size(workloads: Sequence[Workload] | WorkloadSet, *, hours_per_year: float = HOURS_PER_YEAR) -> Demand:
    """Size every workload in one vectorised pass: compute rate, GPUs, P, GPU-hours.

    Training: rate = compute per run ÷ run seconds, GPU-hours per run = GPUs × run hours, per year
    = GPUs × hours per year × busy fraction. Inference: rate = 2 × parameters × tokens/day ÷ 86,400 s,
    served all year (GPU-hours per year = GPUs × hours per year)."""
    ws = workloads.workloads if isinstance(workloads, WorkloadSet) else tuple(workloads)
    a = to_arrays(ws)
    train = a["is_training"]
    with np.errstate(invalid="ignore", divide="ignore"):
        compute = np.where(np.isnan(a["compute_flop"]), training_compute_flop(a["parameters"], a["tokens"]),
                           a["compute_flop"])
        compute = np.where(train, compute, np.nan)
        tokens_day = daily_tokens(a["daily_visits"], a["questions_per_visit"], a["tokens_per_question"])
        rate = np.where(train, training_rate_flop_per_s(compute, a["duration_days"]),
                        inference_rate_ops_per_s(a["parameters"], tokens_day))
        per_model = gpus_needed(rate, a["peak_tflops"], a["compute_efficiency"])
        gpus = per_model * a["models"]
        run_hours = np.where(train, a["duration_days"] * HOURS_PER_DAY, np.nan)
        busy = np.where(train, busy_fraction(a["runs_per_year"], run_hours, hours_per_year), 1.0)
    return Demand(
        names=tuple(w.name for w in ws), kind=a["kind"], gpu=a["gpu"], precision=a["precision"],
        models=a["models"], tokens_per_day=np.where(train, np.nan, tokens_day), compute_flop_per_run=compute,
        compute_rate_per_s=rate, peak_tflops=a["peak_tflops"], compute_efficiency=a["compute_efficiency"],
        gpus_per_model=per_model, gpus=gpus, p_needed=p_needed(gpus, a["peak_tflops"]), run_hours=run_hours,
        gpu_hours_per_run=gpus * run_hours, busy_fraction=busy,
        gpu_hours_per_year=gpus * hours_per_year * busy, hours_per_year=float(hours_per_year),
    )


# --------------------------------------------------------------------------- market and fleet
class FleetOptions(BaseModel):
    """The fleet-sizing arguments of :func:`fleet` that are not scenario fields."""

    share: Finite = fld(..., unit="fraction", en="Market share", zh="市场份额", group="fleet", ge=0, le=1,
                        help="Share of the demand's card-hours the lessor serves.",
                        help_zh="出租方承接的需求卡时占比。")
    occupancy: Finite = fld(1.0, unit="fraction", en="Fleet occupancy", zh="机队出租率", group="fleet", gt=0, le=1,
                            help="Share of the fleet's card-hours that are rented (not MFU).",
                            help_zh="机队卡时中被租出的比例（不是算力效率MFU）。")


FLEET_FIELDS = field_specs(FleetOptions)


@dataclass(frozen=True)
class Fleet:
    """The fleet a heavy-asset lessor buys to serve ``share`` of the demand on one GPU type."""

    gpu: str
    share: float  # of the demand's card-hours [fraction]
    occupancy: float  # of the lessor's card-hours that are rented [fraction]
    cards_per_server: int
    demand_gpu_hours_per_year: float  # all workloads on this GPU [card-hours/year]
    served_gpu_hours_per_year: float  # share × demand [card-hours/year]
    servers: int
    workloads: tuple[str, ...]

    @property
    def cards(self) -> int:
        return self.servers * self.cards_per_server


def gpus_in(demand: Demand) -> tuple[str, ...]:
    """GPU types present in the demand, in order of first appearance."""
    return tuple(dict.fromkeys(str(g) for g in demand.gpu))


def fleet(demand: Demand, share: float, *, gpu: str | None = None, cards_per_server: int = 8,
          occupancy: float = 1.0) -> Fleet:
    """Servers needed to serve ``share`` of all workloads that run on ``gpu`` (default: the first GPU
    in the demand), at rental ``occupancy``. See :func:`servers_needed` for the definition."""
    gpu = gpu or gpus_in(demand)[0]
    problems = []
    if gpu not in gpus_in(demand):
        problems.append(Problem("gpu", gpu, f"no workload runs on it; present: {', '.join(gpus_in(demand))}"))
    for name, value in (("share", share), ("occupancy", occupancy)):
        spec = FLEET_FIELDS[name]
        if not (isinstance(value, int | float) and spec.check(value)):
            problems.append(Problem(name, value, f"out of range; allowed: {spec.range_text()}"))
    cards = schema.FIELDS["heavy.cards_per_server"]  # the scenario's own bounds
    if not (isinstance(cards_per_server, int) and cards.check(cards_per_server)):
        problems.append(Problem("cards_per_server", cards_per_server, f"allowed: {cards.range_text()}"))
    if problems:
        raise ScenarioError(problems)
    mask = demand.gpu == gpu
    hours = float(demand.gpu_hours_per_year[mask].sum())
    n = int(servers_needed(hours, share, cards_per_server, occupancy, demand.hours_per_year))
    return Fleet(gpu, float(share), float(occupancy), cards_per_server, hours, hours * share, n,
                 tuple(np.asarray(demand.names, dtype=object)[mask]))


def fleet_scenario(base: Scenario, servers: int, gpu: str, *, price_cny_per_card_hour: float | None = None,
                   occupancy: float | None = None) -> Scenario:
    """The heavy-asset scenario for a fleet: ``base`` with ``heavy.servers`` and ``heavy.gpu`` set
    (and the rental price and occupancy when given); re-validated, so a fleet beyond the schema's
    bounds raises :class:`~finmodel.schema.ScenarioError`.

    Everything else (server price, power, cards per server, costs) stays as in ``base``: choose a
    base scenario priced for the GPU."""
    changes: dict[str, Any] = {"heavy.servers": int(servers), "heavy.gpu": gpu}
    if price_cny_per_card_hour is not None:
        changes["heavy.price_cny_per_card_hour"] = float(price_cny_per_card_hour)
    if occupancy is not None:
        changes["heavy.occupancy"] = float(occupancy)
    return base.replace(changes)
