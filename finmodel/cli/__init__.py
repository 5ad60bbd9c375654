"""The ``finmodel`` command line.

Each command group lives in its own module with a ``register(app)`` function:
``scenario`` (evaluate, validate, fields, gpus), ``analysis`` (sweep, tornado, solve), ``montecarlo``,
``workbook`` (export, import) and ``demand``.

Commands load lazily, so that a command pays only for what it uses: :data:`COMMANDS` names each
command's module and its one-line help (the first paragraph of its docstring; a test keeps the two
equal), ``finmodel --help`` lists them without importing a single command module, and a module is
imported when one of its commands runs or shows its own ``--help``. Measure with
``benchmarks/startup.py`` or ``python -X importtime -m finmodel --help``.

Flags (``--json``, ``--no-progress``, ``--help``) are shown in help without a value placeholder, and
SIGTERM (like Ctrl-C) stops a command cleanly: outputs being written are removed, never left half
written (see :func:`finmodel.cli.common.friendly_errors`).
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: Every command: name → (module in ``finmodel.cli``, one-line help shown by ``finmodel --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "evaluate": ("scenario", "Evaluate a scenario: heavy-asset payback, NPV, IRR, margins; light-asset spread per P."),
    "validate": ("scenario", "Check a scenario or portfolio file: every field's type, unit range and spelling. Exit 0 "
                 "when valid."),
    "fields": ("scenario", "List every scenario input: dotted path, unit, allowed range, default."),
    "gpus": ("scenario", "List the GPU catalogue (dense FP16 TFLOPS, INT8 TOPS, power) with sources."),
    "sweep": ("analysis", "Sweep a grid of inputs: payback, NPV, IRR and margin for every combination."),
    "tornado": ("analysis", "One-way sensitivity: each input ±20 % (or explicit values), its effect on payback, NPV, "
                "IRR and gross margin, sorted by swing."),
    "solve": ("analysis", "Break-even / goal seek: the value of one input that gives a target result."),
    "montecarlo": ("montecarlo", "Monte Carlo: P10/P50/P90 of payback, NPV, IRR and margin under uncertain inputs, "
                   "the chance of paying back within N months and of a negative NPV."),
    "export": ("workbook", "Export a scenario as a live Excel workbook (.xlsx)."),
    "import": ("workbook", "Read a workbook's Inputs sheet back into a scenario file (.toml)."),
    "demand": ("demand", "Size the demand of a workload file: compute rate, GPUs, P, card-hours and market value."),
    "portfolio": ("portfolio", "Evaluate a portfolio: cohorts bought in different months, summed into one company."),
}

_LOADED: dict[str, Any] = {}  # command name → its click command, built once per process


def _flags_without_placeholder(cmd: Any) -> Any:
    """Flags take no value: show none in help (typer renders ``<bool>`` after every flag)."""
    for p in cmd.params:
        if getattr(p, "is_flag", False):
            p.metavar = ""
    help_option = cmd.get_help_option(typer.Context(cmd, info_name=cmd.name))
    if help_option is not None:
        help_option.metavar = ""
    return cmd


def load_commands(module: str) -> dict[str, Any]:
    """Import ``finmodel.cli.<module>`` and build its click commands (cached)."""
    sub = typer.Typer()
    importlib.import_module(f"finmodel.cli.{module}").register(sub)
    group = typer.main.get_group(sub)
    for name, cmd in group.commands.items():
        _LOADED.setdefault(name, _flags_without_placeholder(cmd))
    return {name: _LOADED[name] for name in group.commands}


class _LazyCommands(MutableMapping[str, Any]):
    """The group's commands: every name of :data:`COMMANDS`, each loaded when first looked up, or
    a stub carrying only its one-line help while the group's own help is printed."""

    def __init__(self, given: Any) -> None:
        self.extra: dict[str, Any] = dict(given or {})
        self.listing = False

    def __getitem__(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        module, short = COMMANDS[name]  # KeyError: no such command
        if self.listing:
            return TyperCommand(name=name, help=short)
        return _LOADED.get(name) or load_commands(module)[name]

    def __setitem__(self, name: str, cmd: Any) -> None:
        self.extra[name] = cmd

    def __delitem__(self, name: str) -> None:
        del self.extra[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.extra]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.extra))


class LazyGroup(TyperGroup):
    """The ``finmodel`` group: commands from :data:`COMMANDS`, imported when used."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _LazyCommands(self.commands)
        _flags_without_placeholder(self)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        commands = self.commands
        assert isinstance(commands, _LazyCommands)
        commands.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            commands.listing = False


app = typer.Typer(
    name="finmodel",
    cls=LazyGroup,
    help="Economics of renting out AI compute (GPU leasing, 算力租赁).\n\n"
    "Units: money in CNY (元; tables show 万元 = 10,000 元), rates and shares as fractions "
    "(0.7 = 70 %), payback in months from the purchase date, prices per card-hour or per "
    "P (PFLOPS) per year.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from finmodel import __version__

        typer.echo(f"finmodel {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True,
                                 callback=_print_version),
) -> None:
    """Economics of renting out AI compute (GPU leasing, 算力租赁)."""


def _terminate(signum: int, frame: Any) -> None:
    from finmodel.cli.common import Terminated

    signal.signal(signum, signal.SIG_IGN)  # one stop is enough: a second signal does not cut the clean-up short
    raise Terminated(signum)


def main() -> None:
    """The console entry point: SIGTERM and SIGHUP stop a command like Ctrl-C does (exit 143 / 129,
    outputs being written removed)."""
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, _terminate)
    app()
