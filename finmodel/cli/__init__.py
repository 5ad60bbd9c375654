"""The ``finmodel`` command line.

Each command group lives in its own module with a ``register(app)`` function:
``scenario`` (evaluate, validate, fields, gpus), ``analysis`` (sweep, tornado, solve), ``montecarlo``,
``workbook`` (export, import) and ``demand``.
"""

from __future__ import annotations

import typer

from finmodel.cli import analysis, demand, montecarlo, portfolio, scenario, workbook

app = typer.Typer(
    name="finmodel",
    help="Economics of renting out AI compute (GPU leasing, 算力租赁).\n\n"
    "Units: money in CNY (元; tables show 万元 = 10,000 元), rates and shares as fractions "
    "(0.7 = 70 %), payback in months from the purchase date, prices per card-hour or per "
    "P (PFLOPS) per year.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _module in (scenario, analysis, montecarlo, workbook, demand, portfolio):
    _module.register(app)


def main() -> None:
    app()
