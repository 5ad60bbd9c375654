"""Issue 15, "Signals" and "A lost save": interrupted runs and writers racing for one file.

An output is either the complete previous file or the complete new one (or nothing), never half a
file and never a leftover ``.tmp``; a name the dashboard hands out is taken by exactly one save.
Sweeps run the installed CLI as a subprocess (:func:`test_hostile_inputs.cli_command`) so that a
signal reaches a real process; the dashboard's save runs in threads released by one barrier.
"""

from __future__ import annotations

import io
import signal
import subprocess
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from finmodel import schema, workbook
from finmodel.schema.files import AtomicTableWriter
from finmodel.ui import files

from .test_hostile_inputs import SEED_FILE, cli_command, listing

PREVIOUS = b"the complete previous file"
# 1,000 × 1,000 × 10 = 10^7 scenarios: tens of seconds on this machine, so a signal lands mid-run
LONG_GRID = ["-g", "heavy.occupancy=0:1:1000", "-g", "heavy.price_cny_per_card_hour=1:30:1000",
             "-g", "heavy.pue=1:2:10"]


def _tmp_files(folder: Path) -> list[str]:
    return sorted(n for n in listing(folder) if n.endswith(".tmp"))


def interrupt_streamed_sweep(folder: Path, sig: signal.Signals) -> tuple[int, str]:
    """Start ``finmodel sweep ... --out out.parquet`` over a previous ``out.parquet``, wait until it
    is streaming (its ``.tmp`` exists, plus a second), send ``sig``; (exit code, stderr)."""
    (folder / "out.parquet").write_bytes(PREVIOUS)
    p = subprocess.Popen([*cli_command(), "sweep", str(SEED_FILE), *LONG_GRID, "--out", "out.parquet",
                          "--no-progress"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not _tmp_files(folder):
            if p.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the sweep never started streaming (exit {p.returncode})")
            time.sleep(0.05)
        time.sleep(1.0)
        assert p.poll() is None, "the sweep finished before the signal: make LONG_GRID longer"
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return p.returncode, err.decode("utf-8", "replace")


def test_sigterm_during_a_streamed_sweep_leaves_no_tmp_file(tmp_path: Path) -> None:
    """Signals: SIGTERM during ``sweep ... --out out.parquet`` removes its ``.tmp`` file; the output is
    the complete previous file."""
    code, err = interrupt_streamed_sweep(tmp_path, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM and err.strip() == "terminated", (code, err[-300:])
    assert _tmp_files(tmp_path) == [], f"left behind after SIGTERM (exit {code})"
    assert (tmp_path / "out.parquet").read_bytes() == PREVIOUS


def test_ctrl_c_during_a_streamed_sweep_leaves_no_tmp_file(tmp_path: Path) -> None:
    """Signals (keep): Ctrl-C (SIGINT) during a streamed sweep exits 130, says "interrupted", removes
    its ``.tmp`` file and keeps the previous output."""
    code, err = interrupt_streamed_sweep(tmp_path, signal.SIGINT)
    assert code == 130 and err.strip() == "interrupted", (code, err[-300:])
    assert _tmp_files(tmp_path) == []
    assert (tmp_path / "out.parquet").read_bytes() == PREVIOUS


# --------------------------------------------------------------------------- a lost save
def race(n: int, fn) -> list:
    """Call ``fn(i)`` for i < n from n threads released together; each outcome or exception."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = fn(i)
        except Exception as err:  # noqa: BLE001 - collected and asserted on
            out[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


@pytest.fixture()
def adir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty assumptions folder for the dashboard's file functions."""
    d = tmp_path / "assumptions"
    d.mkdir()
    monkeypatch.setenv(files.ENV_DIR, str(d))
    return d


def test_two_dashboard_saves_of_one_new_name_exactly_one_wins(adir: Path) -> None:
    """A lost save: two ``files.save_user`` calls (the scenarios page's save button, two tabs) of the
    same new name without overwrite, released at once: one wins, the other hears the name is taken."""
    scenarios = [schema.default().replace({"heavy.servers": 2}), schema.default().replace({"heavy.servers": 3})]
    for round_ in range(10):
        name = f"case_{round_}"
        out = race(2, lambda i, name=name: files.save_user(scenarios[i], name))
        won = [i for i, o in enumerate(out) if isinstance(o, files.Ref)]
        lost = [o for o in out if isinstance(o, files.FileProblem)]
        assert len(won) == 1, f"round {round_}: {len(won)} saves reported success: {out}"
        assert len(lost) == 1 and lost[0].code == "err_name_exists", out
        saved = schema.load(adir / "user" / f"{name}.toml")
        assert saved.heavy.servers == scenarios[won[0]].heavy.servers  # the winner's file, whole
    assert _tmp_files(adir / "user") == []


def test_saves_with_overwrite_leave_one_complete_file(adir: Path) -> None:
    """A lost save (keep): with "overwrite" both saves may succeed; the file is one of them, whole."""
    scenarios = [schema.default().replace({"heavy.servers": k}) for k in (2, 3, 4, 5)]
    out = race(4, lambda i: files.save_user(scenarios[i], "shared", overwrite=True))
    assert all(isinstance(o, files.Ref) for o in out), out
    assert schema.load(adir / "user" / "shared.toml").heavy.servers in {2, 3, 4, 5}
    assert _tmp_files(adir / "user") == []


# --------------------------------------------------------------------------- races that already hold
def _start_all(cmds: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen(c, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    done = []
    for c, p in zip(cmds, procs, strict=True):
        out, err = p.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(c, p.returncode, out, err))
    return done


def test_two_imports_to_the_same_out_leave_one_complete_file(tmp_path: Path) -> None:
    """Keep: two ``finmodel import ... --out s.toml --force`` at once: both succeed and ``s.toml`` is
    exactly one of the two scenarios."""
    seed = schema.load(SEED_FILE)
    variants = [schema.validate({**seed.replace({"heavy.servers": k}).to_dict(), "name": f"variant {k}"})
                for k in (2, 3)]
    for k, s in enumerate(variants):
        (tmp_path / f"w{k}.xlsx").write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    runs = _start_all([[*cli_command(), "import", f"w{k}.xlsx", "--out", "s.toml", "--force"] for k in (0, 1)],
                      tmp_path)
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-300:] for r in runs]
    assert schema.load(tmp_path / "s.toml") in variants
    assert _tmp_files(tmp_path) == []


def test_two_imports_without_force_to_one_new_name_exactly_one_writes(tmp_path: Path) -> None:
    """``finmodel import ... --out s.toml`` twice at once, without --force: the check and the write
    are one step (create-exclusive), so one writes and the other is told the file exists."""
    seed = schema.load(SEED_FILE)
    variants = [schema.validate({**seed.replace({"heavy.servers": k}).to_dict(), "name": f"variant {k}"})
                for k in (2, 3)]
    for k, s in enumerate(variants):
        (tmp_path / f"w{k}.xlsx").write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    for round_ in range(3):
        out = f"s{round_}.toml"
        runs = _start_all([[*cli_command(), "import", f"w{k}.xlsx", "--out", out] for k in (0, 1)], tmp_path)
        codes = sorted(r.returncode for r in runs)
        assert codes == [0, 2], [r.stderr[-300:] for r in runs]
        loser = next(r for r in runs if r.returncode == 2)
        assert loser.stderr.strip() == f"error: {out} exists; use --force to overwrite it"
        assert schema.load(tmp_path / out) == variants[[r.returncode for r in runs].index(0)]
    assert _tmp_files(tmp_path) == []


def test_two_sweeps_to_one_file_leave_one_complete_file(tmp_path: Path) -> None:
    """Keep: two ``finmodel sweep ... --out o.parquet`` at once (different grids): the file is one of
    the two complete tables."""
    grids = [["-g", "heavy.occupancy=0.5:1:2001"], ["-g", "heavy.pue=1.1:1.6:3001"]]
    runs = _start_all([[*cli_command(), "sweep", str(SEED_FILE), *g, "--out", "o.parquet", "--no-progress"]
                       for g in grids], tmp_path)
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-300:] for r in runs]
    table = pq.read_table(tmp_path / "o.parquet")
    assert (table.num_rows, table.column_names[0]) in {(2001, "heavy.occupancy"), (3001, "heavy.pue")}
    assert _tmp_files(tmp_path) == []


def test_a_reader_during_a_writers_replace_never_sees_a_partial_file(tmp_path: Path) -> None:
    """Keep: while a scenario file and a Parquet table are rewritten over and over (``schema.save``,
    ``AtomicTableWriter``), a reader only ever sees one complete version.

    Each read opens the file once (``read_bytes``): pyarrow given a *path* opens it more than once
    and can mix two versions ("Page was smaller than expected"), a reader-side effect, not a partial
    file."""
    import pandas as pd

    target, table = tmp_path / "s.toml", tmp_path / "t.parquet"
    versions = [schema.default().replace({"heavy.servers": k}) for k in (1, 2)]
    texts = {schema.to_toml(v) for v in versions}
    frames = [pd.DataFrame({"x": range(k * 5_000)}) for k in (1, 2)]
    schema.save(versions[0], target)
    with AtomicTableWriter(table) as w:
        w.write(frames[0])
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            schema.save(versions[i % 2], target)
            with AtomicTableWriter(table) as w:
                w.write(frames[i % 2])
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    reads, bad = 0, []
    try:
        t_end = time.monotonic() + 1.5
        while time.monotonic() < t_end:
            text = target.read_text(encoding="utf-8")
            rows = pq.read_table(io.BytesIO(table.read_bytes())).num_rows  # one open: one version
            reads += 1
            if text not in texts or rows not in (5_000, 10_000):
                bad.append((len(text), rows))
    finally:
        stop.set()
        t.join(30)
    assert reads > 50 and not bad, (reads, bad[:3])
    assert _tmp_files(tmp_path) == []
