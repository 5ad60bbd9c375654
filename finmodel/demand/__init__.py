"""Demand sizing: from models and tokens to GPUs, card-hours, a leasing market and a server fleet.

The seed sizes the Chinese leasing market from the demand side (002:1190-1290):

* training compute rate = 6 × parameters × tokens ÷ training seconds  [FLOP/s]   (002:1194)
* inference tokens/day  = daily visits × questions per visit × tokens per question (002:1237)
* inference compute rate = 2 × parameters × tokens/day ÷ 86,400 s    [OP/s]     (002:1239)
* GPUs = compute rate ÷ (peak per GPU × compute efficiency)                    (002:1196, 1241)

**Compute efficiency (MFU)** is the share of a GPU's peak that a workload achieves while it runs
(the seed's "GPU利用率", 45 % at 002:1206). It is *not* rental **occupancy** (出租率), the share of a
lessor's card-hours that are rented (``heavy.occupancy`` in a scenario). Both appear below, always
under these two names.

Modules, by job: :mod:`~finmodel.demand.formulas` (pure vectorised functions, workloads axis first);
:mod:`~finmodel.demand.workloads` (the workload schema, declared on the shared schema toolkit, and
workload files); :mod:`~finmodel.demand.sizing` (the orchestrator :func:`size`, market value, fleet
sizing and :func:`fleet_scenario`, the bridge to the heavy-asset model).
"""

from finmodel.demand.formulas import (
    DAYS_PER_YEAR,
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    INFERENCE_OPS_PER_PARAM_TOKEN,
    SECONDS_PER_DAY,
    TERA,
    TERA_PER_P,
    TRAINING_OPS_PER_PARAM_TOKEN,
    busy_fraction,
    daily_tokens,
    gpus_needed,
    implied_compute_efficiency,
    inference_rate_ops_per_s,
    market_value_cny_per_year,
    p_needed,
    servers_needed,
    training_compute_flop,
    training_rate_flop_per_s,
)
from finmodel.demand.sizing import (
    FLEET_FIELDS,
    Demand,
    Fleet,
    FleetOptions,
    fleet,
    fleet_scenario,
    gpus_in,
    size,
    to_arrays,
)
from finmodel.demand.workloads import (
    COLUMNS,
    INFERENCE_ONLY,
    NO_VALUE,
    TRAINING_ONLY,
    WORKLOAD_FIELDS,
    RowProblem,
    Workload,
    WorkloadError,
    WorkloadSet,
    from_dict,
    load,
    parse_toml,
    presets_dir,
    row_rules,
    rows_from_frame,
    to_frame,
    to_toml,
    validate_rows,
)

__all__ = [
    "DAYS_PER_YEAR", "HOURS_PER_DAY", "HOURS_PER_YEAR", "INFERENCE_OPS_PER_PARAM_TOKEN", "SECONDS_PER_DAY", "TERA",
    "TERA_PER_P", "TRAINING_OPS_PER_PARAM_TOKEN", "busy_fraction", "daily_tokens", "gpus_needed",
    "implied_compute_efficiency", "inference_rate_ops_per_s", "market_value_cny_per_year", "p_needed",
    "servers_needed", "training_compute_flop", "training_rate_flop_per_s",
    "FLEET_FIELDS", "Demand", "Fleet", "FleetOptions", "fleet", "fleet_scenario", "gpus_in", "size", "to_arrays",
    "COLUMNS", "INFERENCE_ONLY", "NO_VALUE", "TRAINING_ONLY", "WORKLOAD_FIELDS", "RowProblem", "Workload",
    "WorkloadError", "WorkloadSet", "from_dict", "load", "parse_toml", "presets_dir", "row_rules",
    "rows_from_frame", "to_frame", "to_toml", "validate_rows",
]
