"""Shared CLI plumbing: clean one-line errors (no tracebacks) and number formatting."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import typer

from finmodel import schema

F = TypeVar("F", bound=Callable[..., Any])


class CLIError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn expected errors (bad scenario, unknown field, unreadable file) into ``error: ...``
    lines on stderr and exit code 2, with no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except schema.ScenarioError as err:
            for line in err.lines():
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(2) from None
        except (schema.UnknownFieldError, CLIError) as err:
            fail(str(err))
        except (OSError, ValueError) as err:
            fail(str(err))
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def load_scenario(path: Path) -> schema.Scenario:
    return schema.load(path)


def jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays converted, NaN and ±inf as null (never, none, n/a)."""
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    return x


def echo_json(obj: Any) -> None:
    """Print one JSON object (UTF-8 text, NaN as null)."""
    typer.echo(json.dumps(jsonable(obj), ensure_ascii=False, indent=2))


def wan(x: float | None, digits: int = 2) -> str:
    """CNY shown in 万元 (10,000 元)."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x / 1e4:,.{digits}f}"


def pct(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x * 100:,.{digits}f} %"


def months(x: float | None, never: str = "never") -> str:
    if x is None or not math.isfinite(x):
        return never
    return f"{x:,.1f}"


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
