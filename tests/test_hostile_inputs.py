"""Issue 15, "Unbreakable at the edges": hostile input to the command line and the library.

Each test names its input and what a clean refusal looks like: exit code 2, one ``error:`` line per
problem that names the field (or file) and the value, at most ~300 characters, no traceback, no
warning on stderr, and nothing written. Where the issue does not fix the wording, only those
essentials are asserted. Tests of behaviour that is still wrong carry
``xfail(strict=True, reason="issue 15: ...")`` naming what happens today: once the case is fixed the
test passes, strict xfail turns that into a failure, and the fixer deletes the marker.

Inputs that could take the machine down when a regression returns (endless files, billion-point
grids, a trillion Monte Carlo draws) run the installed CLI as a subprocess with a timeout and an
address-space limit (:func:`run_cli`), never in the test process.

The helpers here (:func:`invoke`, :func:`run_cli`, :func:`assert_refused`, :func:`names_number`)
are shared by the other ``test_hostile_*`` modules.
"""

from __future__ import annotations

import math
import re
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import finmodel
from finmodel import model, schema
from finmodel.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "assumptions" / "seed_fs2024.toml"
DEMAND_FILE = ROOT / "assumptions" / "demand" / "seed_china_market.toml"
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
MAX_LINE = 300  # "values in messages are cut to a readable length" (file paths not counted)
# Address space of a CLI subprocess, so that a regression fails instead of taking the machine down.
# 1 GiB is ample for normal runs (measured: validate, import, a small sweep, Monte Carlo of 1,000
# draws) and makes an unbounded read fail in ~1.5 s instead of ~3.5 s at 2 GiB.
MEMORY_LIMIT = 2**30
CPU_LIMIT_S = 120


# --------------------------------------------------------------------------- shared helpers
@dataclass
class Run:
    """What a command did: exit code, streams, wall time, and (in process) what escaped."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    exception: BaseException | None = None
    warnings: list[str] = field(default_factory=list)
    cpu_seconds: float = math.nan  # user + system time of the subprocess (robust to other load)


def invoke(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Run the CLI in this process (fast); warnings are recorded instead of printed."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = CliRunner().invoke(app, [str(a) for a in args], env=env)
    exc = None if res.exception is None or isinstance(res.exception, SystemExit) else res.exception
    return Run(res.exit_code, res.stdout, res.stderr, time.perf_counter() - t0, exc,
               [f"{w.category.__name__}: {w.message}" for w in caught])


def _limit_resources() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))


def cli_command() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "finmodel"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "finmodel"]


def run_cli(args: list[str], *, cwd: Path, timeout: float = 30) -> Run:
    """Run the installed CLI as a subprocess with a timeout and an address-space limit."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run([*cli_command(), *[str(a) for a in args]], cwd=cwd, capture_output=True, text=True,
                           timeout=timeout, preexec_fn=_limit_resources)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`finmodel {' '.join(map(str, args))}` still running after {timeout:g} s (killed): "
                    "not refused up front")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(p.returncode, p.stdout, p.stderr, time.perf_counter() - t0, cpu_seconds=cpu)


def _tail(text: str, n: int = 600) -> str:
    return text if len(text) <= n else "…" + text[-n:]


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:300] if lines else ""


def output_lines(text: str) -> list[str]:
    """Lines as a terminal shows them (only ``\n`` breaks a line; ``str.splitlines`` also splits on
    ``\x1e``, ``\u2028`` ...)."""
    return text.strip("\n").split("\n") if text.strip() else []


_PATH = re.compile(r"(?:/[\w.+@-]+)+/?")


def message_length(line: str) -> int:
    """Length of a message line with file paths counted as one character (temporary folders have
    long names; the limit is about echoed values)."""
    return len(_PATH.sub("/", line))


def check_error_line(line: str) -> str | None:
    """Why ``line`` is not one short ``error:`` line, or None."""
    if not line.startswith("error:"):
        return f"not an error line: {line[:200]!r}"
    if "\r" in line:
        return f"carriage return inside an error line (overwrites it on a terminal): {line[:200]!r}"
    if message_length(line) > MAX_LINE:
        return f"error line of {len(line):,} characters (> {MAX_LINE}): {line[:150]!r}…"
    return None


def assert_refused(run: Run, *names: str, lines: int | None = 1) -> list[str]:
    """A clean refusal: no traceback or warning, exit 2, ``lines`` short ``error:`` lines (any number
    if None) that together contain every one of ``names``. Returns the lines."""
    if run.exception is not None:
        pytest.fail(f"escaped: {type(run.exception).__name__}: {str(run.exception)[:300]}")
    if "Traceback" in run.stderr:
        pytest.fail(f"traceback on stderr, ending: {_last_line(run.stderr)}")
    if run.warnings or "Warning:" in run.stderr:
        pytest.fail(f"warning leaked: {run.warnings or _tail(run.stderr)}")
    if run.code != 2:
        pytest.fail(f"exit {run.code}; stderr: {_tail(run.stderr, 300)!r}; stdout: {_tail(run.stdout, 200)!r}")
    got = output_lines(run.stderr)
    if not got:
        pytest.fail("exit 2 without a reason on stderr")
    if lines is not None and len(got) != lines:
        pytest.fail(f"{len(got)} lines on stderr, expected {lines}: {_tail(run.stderr)!r}")
    for line in got:
        if why := check_error_line(line):
            pytest.fail(why)
    for name in names:
        if name not in run.stderr:
            pytest.fail(f"{name!r} not named in {_tail(run.stderr)!r}")
    return got


_NUMBER = re.compile(r"\d[\d,_]*(?:\.\d+)?(?:[eE][+-]?\d+)?")


def names_number(text: str, value: float, rel: float = 0.01) -> bool:
    """Whether ``text`` states ``value`` (within ``rel``) in any usual spelling: 1,000,000,000,
    1e9, 1e+09, 1.0e9 ..."""
    for m in _NUMBER.finditer(text):
        try:
            x = float(m.group().replace(",", "").replace("_", ""))
        except ValueError:
            continue
        if math.isclose(x, value, rel_tol=rel):
            return True
    return False


def listing(folder: Path) -> set[str]:
    """Every file name in a folder, hidden ``.tmp`` files included."""
    return {p.name for p in folder.iterdir()}


def seed_with(section: str, line: str) -> str:
    """The seed scenario's text with ``line`` added at the top of ``[section]``."""
    return SEED_TEXT.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- grids whose size overflows
def test_grid_whose_point_count_overflows_int64_is_refused(tmp_path: Path) -> None:
    """Grids whose size overflows: four axes of 65,536 values (2^64 points) with --out."""
    axes = ["heavy.occupancy=0:1:65536", "heavy.price_cny_per_card_hour=1:30:65536", "heavy.pue=1:2:65536",
            "heavy.server_price_cny=1e5:1e6:65536"]
    run = run_cli(["sweep", SEED_FILE, *[a for ax in axes for a in ("-g", ax)], "--out", "o.parquet", "--no-progress"],
                  cwd=tmp_path)
    (line,) = assert_refused(run)
    assert names_number(line, 2.0**64, rel=0.05), f"the point count 2^64 is not stated: {line!r}"
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("out", [True, False], ids=["with-out", "without-out"])
def test_billion_point_grid_is_refused_up_front(tmp_path: Path, out: bool) -> None:
    """Grids whose size overflows: ``--grid heavy.occupancy=0:1:1000000000`` (1e9 points), with or
    without --out: refused before any array is built, naming the estimate and the limit."""
    args = ["sweep", SEED_FILE, "-g", "heavy.occupancy=0:1:1000000000", "--no-progress"]
    run = run_cli(args + (["--out", "o.parquet"] if out else []), cwd=tmp_path)
    (line,) = assert_refused(run)
    assert names_number(line, 1e9), f"the point count 1e9 is not stated: {line!r}"
    assert len(_NUMBER.findall(_PATH.sub("/", line))) >= 2, f"the estimate and the limit are not both stated: {line!r}"
    assert listing(tmp_path) == set()


def test_billion_point_grid_to_print_is_refused() -> None:
    """Grids (keep): 1,000 × 1,000 × 1,000 points without --out are refused as too many to print."""
    run = invoke(["sweep", SEED_FILE, "-g", "heavy.occupancy=0:1:1000", "-g", "heavy.pue=1:2:1000",
                  "-g", "heavy.price_cny_per_card_hour=1:30:1000"])
    (line,) = assert_refused(run, "--out")
    assert names_number(line, 1e9)


# --------------------------------------------------------------------------- Monte Carlo size
def test_trillion_monte_carlo_draws_are_refused_up_front(tmp_path: Path) -> None:
    """Monte Carlo size: ``-n 1000000000000`` (1e12 draws) is refused up front, naming the size."""
    run = run_cli(["montecarlo", SEED_FILE, "-n", "1000000000000", "--no-progress"], cwd=tmp_path, timeout=20)
    (line,) = assert_refused(run)
    assert names_number(line, 1e12), f"the number of draws is not stated: {line!r}"
    assert listing(tmp_path) == set()


def test_monte_carlo_huge_bounds_are_refused_in_one_line() -> None:
    """Monte Carlo with huge bounds: ``-d heavy.occupancy=triangular:-1e308:0:1e308``."""
    run = invoke(["montecarlo", SEED_FILE, "-n", "1000", "-d", "heavy.occupancy=triangular:-1e308:0:1e308",
                  "--no-progress"])
    assert_refused(run, "heavy.occupancy")


def test_long_monte_carlo_on_a_terminal_shows_its_progress(tmp_path: Path) -> None:
    """Monte Carlo size: a run of many chunks on a terminal (``FORCE_COLOR`` makes rich treat the
    pipe as one) shows a progress bar counting draws chunk by chunk up to n. The bar redraws ten
    times a second, so the run is made long enough (49 chunks, seconds on any machine) for several
    redraws to fall between its start and its end however fast the chunks go."""
    import os

    n = 400_000
    p = subprocess.run([*cli_command(), "montecarlo", str(SEED_FILE), "-n", str(n), "--seed", "1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=240, env={**os.environ, "FORCE_COLOR": "1"})
    assert p.returncode == 0, p.stderr[-500:]
    counts = {int(k) for k in re.findall(rf"(\d+)/{n}", p.stderr)}
    assert "Monte Carlo" in p.stderr and n in counts, p.stderr[-300:]
    assert len(counts - {0, n}) >= 2, f"the bar did not advance by chunks: {sorted(counts)}"
    from finmodel.analysis import montecarlo

    assert all(c % montecarlo.BLOCK == 0 for c in counts - {n}), sorted(counts)  # whole chunks of draws


# --------------------------------------------------------------------------- files that never end or are huge
ENDLESS = {  # input kind → command line reading /dev/zero as that kind
    "scenario": ["validate", "/dev/zero"],
    "workbook": ["import", "/dev/zero", "--out", "z.toml"],
    "demand": ["demand", "/dev/zero"],
    "dists": ["montecarlo", str(SEED_FILE), "--dists", "/dev/zero", "-n", "100", "--no-progress"],
}


@pytest.mark.parametrize("kind", list(ENDLESS))
def test_endless_file_is_refused_quickly(tmp_path: Path, kind: str) -> None:
    """Files that never end: /dev/zero as a scenario, a workbook, a demand file or a --dists file is
    refused within seconds in bounded memory (regular files only; size checked while reading). The
    work is bounded in CPU seconds (a loaded machine stretches the wall time, not the work); the
    30-second timeout catches a hang."""
    run = run_cli(ENDLESS[kind], cwd=tmp_path, timeout=30)
    assert_refused(run, "/dev/zero")
    assert run.cpu_seconds < 10, f"took {run.cpu_seconds:.1f} CPU s ({run.seconds:.1f} s wall)"
    assert listing(tmp_path) == set()


def test_oversized_dists_file_is_refused(tmp_path: Path) -> None:
    """Files that are huge: a 5 MB --dists file (valid TOML, mostly comments) is refused by size."""
    body = '[heavy.occupancy]\ndist = "uniform"\nlow = 0.6\nhigh = 0.9\n' + ("# padding " + "x" * 89 + "\n") * 50_000
    dists = write(tmp_path, "big_dists.toml", body)
    run = invoke(["montecarlo", SEED_FILE, "--dists", dists, "-n", "100", "--no-progress"])
    (line,) = assert_refused(run, "big_dists.toml")
    assert names_number(line, dists.stat().st_size) or names_number(line, schema.MAX_FILE_BYTES), line


# --------------------------------------------------------------------------- deep nesting
DEPTH = 5_000  # far past any recursion limit (hypothesis raises it by 2,000 while it runs)


def _deep(kind: str) -> str:
    if kind == "inline-tables":
        return "x = " + "{a = " * DEPTH + "1" + "}" * DEPTH
    if kind == "arrays":
        return "x = " + "[" * DEPTH + "1" + "]" * DEPTH
    return "[" + ".".join(["a"] * DEPTH) + "]\nx = 1"  # dotted table header


@pytest.mark.parametrize("kind", ["inline-tables", "arrays"])
def test_deeply_nested_scenario_is_refused(tmp_path: Path, kind: str) -> None:
    """Deep nesting: a scenario file holding a value nested 5,000 levels deep."""
    f = write(tmp_path, "deep.toml", seed_with("heavy", _deep(kind)))
    assert_refused(invoke(["validate", f]), "deep.toml")


def test_deeply_nested_table_header_in_scenario_is_refused(tmp_path: Path) -> None:
    """Deep nesting (keep): a 5,000-level dotted table header is one short unknown-field error."""
    f = write(tmp_path, "deep.toml", SEED_TEXT + "\n" + _deep("tables") + "\n")
    assert_refused(invoke(["validate", f]), "deep.toml")


@pytest.mark.parametrize("kind", ["inline-tables", "arrays", "tables"])
def test_deeply_nested_dists_file_is_refused(tmp_path: Path, kind: str) -> None:
    """Deep nesting: a --dists file nested 5,000 levels deep."""
    f = write(tmp_path, "deep_dists.toml", _deep(kind) + "\n")
    assert_refused(invoke(["montecarlo", SEED_FILE, "--dists", f, "-n", "100", "--no-progress"]), "deep_dists.toml")


# --------------------------------------------------------------------------- oversized messages
def test_unknown_key_holding_a_huge_list_gives_a_short_message(tmp_path: Path) -> None:
    """Oversized messages: ``heavy.bogus = [0, 1, ..., 59999]`` (an unknown key, a huge list)."""
    f = write(tmp_path, "s.toml", seed_with("heavy", "bogus = [" + ", ".join(map(str, range(60_000))) + "]"))
    assert_refused(invoke(["validate", f]), "heavy.bogus", "unknown")


def test_unknown_huge_key_gives_a_short_message(tmp_path: Path) -> None:
    """Oversized messages: an unknown key 100,000 characters long."""
    f = write(tmp_path, "s.toml", seed_with("heavy", '"' + "k" * 100_000 + '" = 1'))
    assert_refused(invoke(["validate", f]), "heavy.kkkk", "unknown")


def test_unknown_key_holding_a_huge_string_gives_a_short_message(tmp_path: Path) -> None:
    """Oversized messages (keep): a 200,000-character string value is already cut."""
    f = write(tmp_path, "s.toml", seed_with("heavy", 'occupancy_typo = "' + "x" * 200_000 + '"'))
    assert_refused(invoke(["validate", f]), "heavy.occupancy_typo", "heavy.occupancy")


@pytest.mark.parametrize("key", ["bad\\nerror: everything is fine", "bad\\rerror: ok"], ids=["newline", "return"])
def test_line_break_in_an_unknown_key_stays_on_one_line(tmp_path: Path, key: str) -> None:
    """Never more than one line per problem (found by the property test): an unknown key holding a
    line break, ``"bad\\nerror: everything is fine" = 1`` in [heavy]."""
    f = write(tmp_path, "s.toml", seed_with("heavy", f'"{key}" = 1'))
    assert_refused(invoke(["validate", f]), "heavy.bad", "unknown")


# --------------------------------------------------------------------------- value tables and [sources]
def _value_table_problem(path: str, table: dict) -> str:
    data = schema.default().to_dict()
    section, name = path.split(".")
    data[section] = {**data[section], name: table}
    with pytest.raises(schema.ScenarioError) as info:
        schema.validate(data)
    return "\n".join(info.value.lines())


@pytest.mark.parametrize(("path", "table", "extra"), [
    ("heavy.occupancy", {"value": 0.25, "source": "a report", "extra": 1}, "extra"),
    ("heavy.occupancy", {"value": 0.25, "unit": "fraction"}, "unit"),
    ("heavy.servers", {"value": 2, "sauce": "typo of source"}, "sauce"),
    ("heavy.gpu", {"value": "A100-40G-NVLink", "source": "x", "note": "y"}, "note"),
    ("heavy.billing_mode", {"value": "hourly", "extra": True}, "extra"),
    ("general.horizon_months", {"value": 60, "source": "x", "comment": "5 years"}, "comment"),
    ("light.precision", {"value": "FP16", "extra": 1}, "extra"),
])
def test_value_table_with_an_extra_key_names_it(path: str, table: dict, extra: str) -> None:
    """Value tables: ``{ value = ..., source = "…", extra = 1 }`` is refused naming the extra key."""
    msg = _value_table_problem(path, table)
    assert path in msg, msg
    assert extra in msg.replace(path, ""), f"the extra key {extra!r} is not named: {msg}"


@pytest.mark.parametrize("key", ["=evil.key", "heavy.nonexistent"])
def test_sources_entry_for_a_nonexistent_field_is_refused(tmp_path: Path, key: str) -> None:
    """Value tables: ``[sources] "=evil.key" = "…"`` is refused like any unknown key."""
    f = write(tmp_path, "s.toml", SEED_TEXT + f'\n[sources]\n"{key}" = "a source"\n')
    assert_refused(invoke(["validate", f]), key)


def test_sources_entry_for_a_real_field_round_trips(tmp_path: Path) -> None:
    """Value tables (keep): a ``[sources]`` entry for a real field survives load → save → load."""
    text = 'name = "x"\n[sources]\n"heavy.occupancy" = "a report"\n[general]\n[heavy]\n[light]\n'
    f = write(tmp_path, "s.toml", text)
    s = schema.load(f)
    assert s.sources == {"heavy.occupancy": "a report"}
    assert schema.parse_toml(schema.to_toml(s)) == s


# --------------------------------------------------------------------------- valid inputs, infinite answers
@pytest.mark.parametrize("share", ["5e-324", "1e-9"])
def test_tiny_noncash_share_of_cost_is_refused_with_the_reason(tmp_path: Path, share: str) -> None:
    """Valid inputs, infinite answers: ``heavy.noncash_share_of_cost = 5e-324`` (or 1e-9) is refused,
    naming the field, the value and the allowed range (a sensible floor such as 1 %)."""
    f = write(tmp_path, "s.toml", SEED_TEXT.replace("noncash_share_of_cost = { value = 0.6",
                                                    f"noncash_share_of_cost = {{ value = {share}"))
    (line,) = assert_refused(invoke(["validate", f]), "heavy.noncash_share_of_cost", "allowed")
    assert names_number(line, float(share), rel=1e-3) or share in line, line


def test_payback_is_never_finite_when_a_cost_line_is_infinite(seed) -> None:
    """Valid inputs, infinite answers: a result built on a non-finite line is never a finite number
    (the engine, fed ``noncash_share_of_cost = 5e-324`` directly)."""
    params = schema.to_params(seed)
    params["heavy.noncash_share_of_cost"] = np.asarray(5e-324)
    b = model.evaluate_batch(params, seed.general.horizon_months, models=("heavy",))
    h = {k: float(v[0]) for k, v in b.heavy.items()}
    assert not math.isfinite(h["total_cash_cost_cny"])  # the premise: a cost line is infinite
    for key in ("payback_months", "discounted_payback_months", "net_margin", "roi"):
        assert not math.isfinite(h[key]), f"heavy.{key} = {h[key]} although the cash cost is infinite"


# --------------------------------------------------------------------------- warnings on stderr
@pytest.mark.parametrize("spec", [
    "heavy.servers=1:inf:2", "heavy.servers=1:1e300:2", "heavy.servers=1,1e300", "heavy.servers=1,inf",
    "general.horizon_months=1:1e30:2", "general.horizon_months=inf,12", "heavy.lead_time_months=0:1e20:2",
    "heavy.occupancy=0:inf:3",
])
def test_inf_or_huge_grid_bounds_are_refused_without_warnings(spec: str) -> None:
    """Warnings on stderr: ``inf`` or huge integer grid bounds are refused in one line naming the
    field, with no RuntimeWarning."""
    path = spec.split("=")[0]
    (line,) = assert_refused(invoke(["sweep", SEED_FILE, "-g", spec, "--json"]), path)
    assert not names_number(line, -2.0**63), f"states a value that was never given: {line!r}"


# --------------------------------------------------------------------------- small things a user trips on
def test_version_flag_prints_the_version() -> None:
    """Small things: ``finmodel --version``."""
    run = invoke(["--version"])
    assert run.code == 0, run.stderr
    assert finmodel.__version__ in run.stdout


def test_export_outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small things: ``finmodel export FILE`` in a folder without ``exports/`` writes to the current
    folder, or says how (``--out``)."""
    monkeypatch.chdir(tmp_path)
    run = invoke(["export", SEED_FILE, "--no-sensitivity"])
    if run.code == 0:
        assert [p.suffix for p in tmp_path.iterdir()] == [".xlsx"], listing(tmp_path)
    else:
        assert_refused(run, "--out")
        assert listing(tmp_path) == set()


@pytest.mark.parametrize("columns", [40, 80])
def test_fields_never_truncates_the_path_column(columns: int) -> None:
    """Small things: ``finmodel fields`` piped or in a narrow terminal shows every path whole."""
    run = invoke(["fields"], env={"COLUMNS": str(columns)})
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    cut = [p for p in schema.FIELDS if not any(p in line for line in lines)]
    assert not cut, f"{len(cut)} paths cut or folded, e.g. {cut[:3]}"


@pytest.mark.parametrize("command", ["evaluate", "fields", "sweep", "tornado", "solve", "montecarlo", "demand"])
def test_json_flag_help_shows_no_value(command: str) -> None:
    """Small things: ``--json`` help shows no ``<bool>`` (the flag takes no value)."""
    run = invoke([command, "--help"], env={"COLUMNS": "120"})
    assert run.code == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if "--json" in line]
    assert lines, run.stdout[-500:]
    assert not any("<bool>" in line for line in lines), lines
