"""CLI command ``montecarlo``: P10/P50/P90 of payback, NPV, IRR and margin under uncertain inputs.

Tables show money in 万元, payback in months, rates in % (``finmodel.model.display``); ``--json`` and
the draws file keep base units. The draws file is written atomically. A portfolio file takes
distributions on its paths (``shocks.price_factor``, ``cohorts.<name>.heavy.occupancy``); without
any, the company-wide shocks are drawn; payback and NPV are the company's.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from finmodel.analysis import montecarlo
from finmodel.analysis.limits import MAX_CHUNK
from finmodel.analysis.subject import Subject
from finmodel.cli.common import (
    ENGINE,
    JSON,
    METRIC,
    MODEL_FILE,
    NO_PROGRESS,
    SCHEDULER,
    SET,
    CLIError,
    console,
    echo_json,
    executor,
    friendly_errors,
    progress_bar,
    records,
    result_cell,
    result_unit,
    subject_with,
)
from finmodel.model import display
from finmodel.schema.files import AtomicTableWriter


def register(app: typer.Typer) -> None:
    """Add this module's command to the main app."""
    app.command("montecarlo")(montecarlo_cmd)


@friendly_errors
def montecarlo_cmd(
    file: Path = MODEL_FILE,
    n: int = typer.Option(10_000, "-n", "--draws", help="Number of draws."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed and n give the same draws on every engine."),
    dist: list[str] = typer.Option(None, "--dist", "-d", help="PATH=NAME:P1:P2..., e.g. "
                                   "heavy.occupancy=triangular:0.5:0.8:0.95 (triangular:LOW:MODE:HIGH, "
                                   "uniform:LOW:HIGH, normal:MEAN:SD, lognormal:MU:SIGMA, beta:ALPHA:BETA[:LOW:HIGH], "
                                   "pert:LOW:MODE:HIGH, fixed:VALUE; repeatable)."),
    dists: Path = typer.Option(None, "--dists", help="TOML file of distributions (and correlation); --dist "
                               "entries override it."),
    corr: list[str] = typer.Option(None, "--corr", help="Rank correlation A,B=RHO, e.g. "
                                   "heavy.occupancy,heavy.price_cny_per_card_hour=-0.4 (repeatable)."),
    metric: list[str] = METRIC,
    within: list[float] = typer.Option(None, "--within", help="Report P(payback ≤ MONTHS) (repeatable; "
                                       "default 24 and 36)."),
    draws_out: Path = typer.Option(None, "--draws-out", help="Write every draw (inputs and results) to .parquet "
                                   "or .csv (atomically)."),
    sets: list[str] = SET,
    chunk_size: int = typer.Option(montecarlo.BLOCK, "--chunk-size", help="Draws per batch (whole RNG blocks "
                                   "of 8,192 when larger)."),
    engine: str = ENGINE,
    scheduler: str = SCHEDULER,
    no_progress: bool = NO_PROGRESS,
    as_json: bool = JSON,
) -> None:
    """Monte Carlo: P10/P50/P90 of payback, NPV, IRR and margin under uncertain inputs, the chance
    of paying back within N months and of a negative NPV.

    Without --dist/--dists a default set is used and stated in the output.

    Distributions are truncated to each input's allowed range."""
    if n <= 0:
        raise CLIError(f"-n must be a positive number of draws (got {n})")
    if seed < 0:
        raise CLIError(f"--seed must be a non-negative whole number (got {seed})")
    if not 1 <= chunk_size <= MAX_CHUNK:
        raise CLIError(f"--chunk-size must be 1 to {MAX_CHUNK:,} draws (got {chunk_size:,}; a batch takes ≈ 40 KB a "
                       "draw)")
    subj = subject_with(file, sets)
    specs, pairs = _mc_inputs(subj, dists, dist, corr)
    mets = subj.metric_paths(metric or None)
    writer = AtomicTableWriter(draws_out) if draws_out is not None else None
    eng = executor(engine, scheduler)
    with contextlib.ExitStack() as stack:
        stack.callback(eng.close)
        if writer is not None:
            stack.enter_context(writer)  # committed when complete, removed on any error
        sink = None if writer is None else lambda part: writer.write(pd.DataFrame(part))  # streamed, chunk by chunk
        with progress_bar(n, "Monte Carlo", not no_progress) as prog:
            res = montecarlo.run(subj, specs or None, n, seed, metrics=mets, correlation=pairs or None,
                                 chunk_size=chunk_size, engine=eng, progress=prog, on_draws=sink)
    probs = {f"{m:g}": res.prob_payback_within(m) for m in (list(within) if within else [24.0, 36.0])}
    if as_json:
        echo_json(_mc_json(subj, res, eng.name, probs, draws_out))
        return
    _print_mc(subj, res, probs)
    if draws_out is not None:
        typer.echo(f"wrote {res.n:,} draws to {draws_out}")


def _mc_json(subj: Subject, res: montecarlo.MonteCarloResult, engine: str, probs: dict[str, float],
             draws_out: Path | None) -> dict[str, Any]:
    return {subj.kind: subj.name, "n": res.n, "seed": res.seed, "engine": engine,
            "distributions": {p: d.to_dict() for p, d in res.distributions.items()},
            "correlation": None if res.correlation is None else res.correlation.tolist(),
            "units": {"money": "CNY", "payback": "months", "rates": "fraction"},
            "summary": records(res.summary), "prob_payback_within": probs,
            "prob_npv_negative": res.prob_npv_negative, "notes": res.notes, "seconds": res.seconds,
            "draws_file": str(draws_out) if draws_out else None}


def _mc_inputs(subj: Subject, dists: Path | None, dist: list[str] | None, corr: list[str] | None
               ) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str, float]]]:
    """Distributions and correlations from ``--dists`` (a file), then ``--dist`` and ``--corr``."""
    specs: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[str, str, float]] = []
    if dists is not None:
        specs, pairs = montecarlo.load_dists(dists)
    for d in dist or []:
        path, spec = montecarlo.parse_dist(d, subj)
        specs[path] = spec
    pairs += [montecarlo.parse_corr(c) for c in corr or []]
    if pairs and not specs:
        raise CLIError("--corr needs distributions (--dist or --dists) for both inputs")
    return specs, pairs


def _share(x: float) -> str:
    return display.show(x, "frac", style=display.TABLE)


def _print_mc(subj: Subject, res: montecarlo.MonteCarloResult, probs: dict[str, float]) -> None:
    con = console()
    for note in res.notes:
        con.print(f"note: {note}", markup=False)
    t = Table(title=f"{subj.name} — Monte Carlo, {res.n:,} draws, seed {res.seed} ({res.seconds:.2f} s)")
    for c in ("result", "unit", "base", "mean", "P10", "P50", "P90", "never/none"):
        t.add_column(c, justify="left" if c in ("result", "unit") else "right")
    for r in res.summary.to_dict(orient="records"):
        info = subj.metric_info(r["metric"])
        t.add_row(f"{r['metric']}  {r['label_zh']}", result_unit(info),
                  *[result_cell(r[c], info) for c in ("base", "mean", "p10", "p50", "p90")],
                  _share(r["share_nan"]))
    con.print(t)
    t2 = Table(title="inputs")
    for c in ("input", "distribution (base units)", "truncated"):
        t2.add_column(c)
    for p, d in res.distributions.items():
        t2.add_row(p, d.text(), _share(d.truncated_share))
    con.print(t2)
    for m, pr in probs.items():
        typer.echo(f"P(payback ≤ {m} months) = {_share(pr)}")
    typer.echo(f"P(NPV < 0) = {_share(res.prob_npv_negative)}")
