"""The scenario schema: loading, round trip, field registry, and every kind of bad input.

Each bad input must give one message naming the field, the value and the allowed range, through
the library (ScenarioError) and the CLI (exit code 2, ``error:`` on stderr, no traceback)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from finmodel import schema
from finmodel.cli import app
from finmodel.schema import FIELDS, ScenarioError

from .conftest import PRESETS, ROOT

MINIMAL = "[general]\n[heavy]\n{heavy}\n[light]\n{light}\n"

# (case id, file text, expected fragments of the one-line message)
BAD = [
    ("negative price", MINIMAL.format(heavy="price_cny_per_card_hour = -5", light=""),
     ["heavy.price_cny_per_card_hour = -5", "out of range", "0 ≤ value ≤ 10,000", "CNY/card-hour"]),
    ("negative buy price", MINIMAL.format(heavy="", light="buy_price_cny_per_p_year = -1.0"),
     ["light.buy_price_cny_per_p_year = -1.0", "0 ≤ value ≤ 100,000,000", "CNY/P/year"]),
    ("occupancy above 1", MINIMAL.format(heavy="occupancy = 1.2", light=""),
     ["heavy.occupancy = 1.2", "out of range", "0 ≤ value ≤ 1", "fraction of hours"]),
    ("nan", MINIMAL.format(heavy="occupancy = nan", light=""),
     ["heavy.occupancy = nan", "finite", "0 ≤ value ≤ 1"]),
    ("inf", MINIMAL.format(heavy="server_price_cny = inf", light=""),
     ["heavy.server_price_cny = inf", "finite", "0 ≤ value ≤ 100,000,000"]),
    ("string for number", MINIMAL.format(heavy='occupancy = "0.5"', light=""),
     ["heavy.occupancy = '0.5'", "wrong type (str)", "0 ≤ value ≤ 1"]),
    ("float for integer", MINIMAL.format(heavy="servers = 2.5", light=""),
     ["heavy.servers = 2.5", "wrong type (float)", "an integer, 1 ≤ value ≤ 100,000"]),
    ("boolean for number", MINIMAL.format(heavy="pue = true", light=""),
     ["heavy.pue = True", "wrong type (bool)", "1 ≤ value ≤ 3"]),
    ("typo", MINIMAL.format(heavy="ocupancy = 0.5", light=""),
     ["heavy.ocupancy = 0.5", "unknown field", "did you mean heavy.occupancy"]),
    ("unknown section", "[general]\n[heavvy]\n[heavy]\n[light]\n",
     ["heavvy", "unknown field", "did you mean heavy"]),
    ("bad choice", MINIMAL.format(heavy='billing_mode = "weekly"', light=""),
     ["heavy.billing_mode = 'weekly'", "one of 'hourly', 'monthly', 'annual'"]),
    ("unknown gpu", MINIMAL.format(heavy='gpu = "B200"', light=""),
     ["heavy.gpu", "unknown GPU 'B200'", "A100-40G-NVLink"]),
    ("missing section", "[general]\n[heavy]\n", ["light", "missing section [light]"]),
    ("broken toml", "[general]\n[heavy]\nprice = \n", ["file", "broken TOML", "line 3"]),
    ("empty file", "", ["file", "empty file", "[general], [heavy] and [light]"]),
    ("whitespace only", "  \n\n", ["file", "empty file"]),
    ("bad value table", MINIMAL.format(heavy='occupancy = { value = 0.5, sauce = "x" }', light=""),
     ["heavy.occupancy", "unknown key 'sauce' in a value table", "takes `value` and optionally `source`"]),
    ("p_year without price", MINIMAL.format(heavy="", light='sell_price_basis = "p_year"'),
     ["light", "needs light.sell_price_cny_per_p_year"]),
    ("zero tflops", MINIMAL.format(heavy="", light="tflops_per_card = 0"),
     ["light.tflops_per_card = 0", "0.1 ≤ value ≤ 100,000", "or empty"]),
]


@pytest.mark.parametrize("case,text,fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_input_library(case, text, fragments):
    with pytest.raises(ScenarioError) as info:
        schema.parse_toml(text, origin="x.toml")
    msg = str(info.value)
    for frag in fragments:
        assert frag in msg, (frag, msg)


@pytest.mark.parametrize("case,text,fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_input_cli(tmp_path, case, text, fragments):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    for cmd in (["validate", str(f)], ["evaluate", str(f), "--json"], ["evaluate", str(f)]):
        res = CliRunner().invoke(app, cmd)
        assert res.exit_code == 2, (res.exit_code, res.stderr)
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert res.stdout == ""
        err = res.stderr.strip()
        assert err.startswith("error: ") and "Traceback" not in err
        for frag in fragments:
            assert frag in err, (frag, err)


@pytest.mark.parametrize("case", ["negative price", "broken toml"])
def test_bad_input_real_process_has_no_traceback(tmp_path, case):
    text = next(b[1] for b in BAD if b[0] == case)
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "finmodel", "evaluate", str(f)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2
    assert p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1


def test_each_problem_is_one_line(tmp_path):
    f = tmp_path / "two.toml"
    f.write_text(MINIMAL.format(heavy="occupancy = 2\npue = 0.5", light=""), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "finmodel", "validate", str(f)], capture_output=True, text=True, cwd=ROOT)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 2
    assert any("heavy.occupancy = 2" in x for x in lines) and any("heavy.pue = 0.5" in x for x in lines)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        schema.load(tmp_path / "nope.toml")
    b = tmp_path / "bin.toml"
    b.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        schema.load(b)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (schema.MAX_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="too large"):
        schema.load(big)


@pytest.mark.parametrize("path", PRESETS, ids=[p.name for p in PRESETS])
def test_presets_round_trip_exactly(path, tmp_path):
    s = schema.load(path)
    out = tmp_path / "copy.toml"
    schema.save(s, out)
    back = schema.load(out)
    assert back == s  # values, names and sources all survive


def test_sources_are_kept(seed):
    assert "002:1508" in seed.sources["heavy.server_price_cny"]
    assert seed.heavy.server_price_cny == 1_450_000.0


def test_scenario_is_frozen_and_replace_revalidates(seed):
    with pytest.raises(ValidationError, match="frozen"):
        seed.heavy.occupancy = 0.5  # type: ignore[misc]
    v = seed.replace({"heavy.occupancy": 0.7})
    assert v.heavy.occupancy == 0.7 and seed.heavy.occupancy == 1.0
    with pytest.raises(ScenarioError, match=r"heavy\.occupancy = 1\.7"):
        seed.replace({"heavy.occupancy": 1.7})


def test_lax_mode_converts_strings_but_not_nan(seed):
    v = seed.replace({"heavy.occupancy": "0.8"}, strict=False)
    assert v.heavy.occupancy == 0.8
    with pytest.raises(ScenarioError, match="finite"):
        seed.replace({"heavy.occupancy": "nan"}, strict=False)


def test_every_field_is_fully_declared():
    for path, f in FIELDS.items():
        assert f.label_en and f.label_zh and f.help and f.help_zh, path
        assert f.group, path
        if f.numeric:
            assert f.unit, path
            assert (f.ge is not None or f.gt is not None) and f.le is not None, path
            if f.default is not None:
                assert f.check(f.default), path
        if f.kind == "choice":
            # an optional choice may default to empty (light.gpu: blank = heavy.gpu)
            assert f.default in f.choices or (f.optional and f.default is None), path


def test_unknown_field_path_suggests_close_matches():
    with pytest.raises(schema.UnknownFieldError, match="did you mean heavy.price_cny_per_card_hour"):
        schema.field_spec("heavy.price_cny_per_card_hr")


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "s.toml"
    target.write_text("old", encoding="utf-8")

    class Boom(Exception):
        pass

    real_fsync = __import__("os").fsync

    def fail(fd):
        real_fsync(fd)
        raise Boom

    monkeypatch.setattr("os.fsync", fail)
    with pytest.raises(Boom):
        schema.atomic_write_bytes(target, b"new content")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_to_params_encodes_choices_and_optionals(seed):
    p = schema.to_params(seed)
    assert p["heavy.billing_mode"] == 0.0  # 'hourly' is the first option
    assert math.isnan(p["light.p_per_server_override"])
    assert p["heavy.price_cny_per_card_hour"] == 22.5
    assert Path(ROOT / "assumptions").is_dir()


def test_atomic_writes_get_ordinary_file_permissions(tmp_path, seed):
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "s.toml"
        schema.save(seed, out)
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_writing_into_a_missing_directory_is_an_error_not_a_new_tree(tmp_path, seed):
    target = tmp_path / "no" / "such" / "dir" / "s.toml"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        schema.save(seed, target)
    assert not (tmp_path / "no").exists()
    res = CliRunner().invoke(app, ["export", str(ROOT / "assumptions" / "seed_fs2024.toml"), "--out",
                                   str(tmp_path / "missing" / "x.xlsx")])
    assert res.exit_code == 2 and "does not exist" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "missing").exists()


# --------------------------------------------------------------------------- the shared toolkit
def test_every_choice_of_every_field_has_both_labels():
    from finmodel import demand

    specs = [*FIELDS.values(), *demand.WORKLOAD_FIELDS.values(), *demand.FLEET_FIELDS.values()]
    choice_fields = [f for f in specs if f.kind == "choice"]
    assert len(choice_fields) >= 9
    for f in choice_fields:
        assert len(f.choice_labels) == len(f.choices), f.path
        for option in f.choices:
            assert f.choice_label(option, "zh") and f.choice_label(option, "en"), (f.path, option)
    assert FIELDS["heavy.billing_mode"].choice_label("monthly", "zh") == "包月"
    assert FIELDS["heavy.cash_cost_method"].choice_label("ratio", "en") == "Ratio (60:40)"
    with pytest.raises(ValueError, match="weekly"):
        FIELDS["heavy.billing_mode"].choice_label("weekly", "en")


def test_choice_labels_must_name_the_declared_options():
    from typing import Literal

    from pydantic import BaseModel

    class Row(BaseModel):
        mode: Literal["a", "b"] = schema.fld("a", unit="", en="Mode", zh="模式", help="h", group="g",
                                             choice_labels={"a": ("甲", "A"), "c": ("丙", "C")})

    with pytest.raises(TypeError, match="do not match"):
        schema.field_specs(Row)


@pytest.mark.parametrize(("path", "en", "zh"), [
    ("heavy.occupancy", "a number, 0 ≤ value ≤ 1 [fraction of hours]", "数值，0 ≤ 值 ≤ 1 [fraction of hours]"),
    ("heavy.servers", "an integer, 1 ≤ value ≤ 100,000 [servers]", "整数，1 ≤ 值 ≤ 100,000 [servers]"),
    ("light.price_cny_per_card_hour", "a number, 0 ≤ value ≤ 10,000 [CNY/card-hour] or empty",
     "数值，0 ≤ 值 ≤ 10,000 [CNY/card-hour]，可留空"),
    ("heavy.billing_mode", "one of 'hourly', 'monthly', 'annual'", "可选：'hourly', 'monthly', 'annual'"),
])
def test_range_text_in_both_languages(path, en, zh):
    assert FIELDS[path].range_text() == FIELDS[path].range_text("en") == en
    assert FIELDS[path].range_text("zh") == zh
    assert FIELDS["heavy.gpu"].range_text("zh").startswith("GPU目录中的型号：A100-40G-NVLink, ")


def test_array_bound_check_allows_nan_only_for_optional_fields():
    import numpy as np

    occ, override, servers = FIELDS["heavy.occupancy"], FIELDS["light.p_per_server_override"], FIELDS["heavy.servers"]
    assert occ.in_bounds(np.array([0.0, 0.5, 1.0, 1.5, -0.1, np.nan, np.inf])).tolist() == [
        True, True, True, False, False, False, False]
    assert override.in_bounds([np.nan, 0.0, 2.5]).tolist() == [True, False, True]  # gt=0: 0 is out
    assert not override.check(np.nan) and override.check(2.5)
    assert servers.in_bounds([1.0, 2.5, 100_000.0, 100_001.0]).tolist() == [True, False, True, False]
    assert occ.in_bounds(np.full((2, 3), 0.5)).shape == (2, 3)


def test_a_new_schema_gets_errors_with_ranges_and_did_you_mean():
    from pydantic import BaseModel, ConfigDict, ValidationError

    class Cohort(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        servers: int = schema.fld(1, unit="servers", en="Servers", zh="台数", help="h", group="cohort", ge=1, le=10)

    specs = schema.field_specs(Cohort, "cohort")
    with pytest.raises(ValidationError) as info:
        Cohort.model_validate({"servers": 11, "servrs": 2})
    got = {i.code: i.message for i in schema.issues(info.value, Cohort, {s.name: s for s in specs.values()})}
    assert got == {"out_of_range": "out of range; allowed: an integer, 1 ≤ value ≤ 10 [servers]",
                   "unknown": "unknown field (a typo?); did you mean servers?"}


def test_value_tables_round_trip_through_the_toolkit():
    values, sources, bad = schema.split_sources({"a": 1.0, "b": {"value": 2.0, "source": "002:1508"},
                                                 "c": {"value": 3.0, "sauce": "x"}})
    assert values == {"a": 1.0, "b": 2.0} and sources == {"b": "002:1508"} and [b[0] for b in bad] == ["c"]
    assert schema.source_table({**values, "d": None}, {"s.b": "002:1508"}, prefix="s.") == {
        "a": 1.0, "b": {"value": 2.0, "source": "002:1508"}}


# --------------------------------------------------------------------------- the guarded reader (issue 15)
def test_only_regular_files_are_read_and_a_fifo_never_blocks(tmp_path):
    """A FIFO with no writer would block ``open()`` for ever; it is refused at once, like a
    directory or a device, in the one wording of the guarded reader."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a named pipe (FIFO)"), (tmp_path, "a directory"), (Path("/dev/null"),
                                                                               "a character device")):
        with pytest.raises(ScenarioError) as info:
            schema.load(path)
        assert info.value.lines() == [f"{path}: file: not a regular file ({kind}); give the path of a file"]


def test_reader_reads_at_most_one_byte_past_the_limit(tmp_path, monkeypatch):
    """The size is checked while reading: a file that reports a small size but keeps giving bytes
    (a regular file growing, or /proc) is cut off after ``max_bytes + 1`` bytes."""
    f = tmp_path / "grows.toml"
    f.write_bytes(b"#" * 100)
    reads: list[int] = []
    real_read = os.read

    def endless_read(fd: int, n: int) -> bytes:  # a file that never ends, whatever its size says
        reads.append(n)
        return real_read(fd, 0) or b"#" * n

    monkeypatch.setattr(schema.files.os, "read", endless_read)
    with pytest.raises(schema.UnreadableFile, match=r"too large \(more than 1,000 bytes\); allowed: ≤ 1,000 bytes"):
        schema.read_file_bytes(f, max_bytes=1_000)
    assert sum(reads) == 1_001


def test_deep_nesting_is_refused_before_parsing_naming_the_limit(tmp_path):
    """Arrays nested one level past ``MAX_TOML_NESTING`` are refused before ``tomllib`` recurses;
    a 40-level dotted table header (no brackets to count) after parsing; the seed's depth is 3."""
    limit = schema.MAX_TOML_NESTING
    deep_array = MINIMAL.format(heavy="x = " + "[" * (limit + 1) + "1" + "]" * (limit + 1), light="")
    deep_header = MINIMAL.format(heavy="", light="") + "[" + ".".join(["a"] * 40) + "]\nx = 1\n"
    for text in (deep_array, deep_header):
        with pytest.raises(ScenarioError) as info:
            schema.parse_toml(text, origin="deep.toml")
        assert info.value.lines() == [f"deep.toml: file: nested more than {limit} levels deep (tables, arrays or "
                                      f"inline tables); allowed: ≤ {limit} levels"]
    assert schema.data_depth(schema.parse_toml_text((ROOT / "assumptions" / "seed_fs2024.toml").read_text())) == 3


def test_problem_lines_escape_control_characters_and_cut_long_values():
    p = schema.Problem("heavy.bad\nerror: fine", list(range(10_000)), "unknown field\r")
    text = str(p)
    assert "\n" not in text and "\r" not in text
    assert text.startswith("heavy.bad\\nerror: fine = [0, 1, 2,") and "(10,000 items): unknown field\\r" in text
    assert len(text) < 150


# --------------------------------------------------------------------------- exclusive writes (issue 15)
def test_exclusive_write_creates_a_new_name_once(tmp_path):
    target = tmp_path / "s.toml"
    schema.atomic_write_bytes(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        schema.atomic_write_bytes(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first" and sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_two_exclusive_writers_of_one_name_exactly_one_wins(tmp_path):
    """20 rounds of two threads released together: one write succeeds, the other hears the name
    exists, and the file holds the winner's bytes whole."""
    for round_ in range(20):
        target = tmp_path / f"case_{round_}.toml"
        barrier = threading.Barrier(2)
        outcome: list[object] = [None, None]

        def write(i: int, target: Path = target, barrier: threading.Barrier = barrier,
                  outcome: list[object] = outcome) -> None:
            barrier.wait()
            try:
                schema.atomic_write_bytes(target, f"writer {i} ".encode() * 10_000, exclusive=True)
                outcome[i] = "won"
            except FileExistsError as err:
                outcome[i] = err

        threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        (winner,) = [i for i, o in enumerate(outcome) if o == "won"]
        assert isinstance(outcome[1 - winner], FileExistsError)
        assert target.read_bytes() == f"writer {winner} ".encode() * 10_000
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_exclusive_write_without_hard_links_falls_back_to_exclusive_create(tmp_path, monkeypatch):
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(schema.files.os, "link", no_links)
    target = tmp_path / "s.toml"
    schema.atomic_write_bytes(target, b"data", exclusive=True)
    with pytest.raises(FileExistsError):
        schema.atomic_write_bytes(target, b"other", exclusive=True)
    assert target.read_bytes() == b"data" and [p.name for p in tmp_path.iterdir()] == ["s.toml"]
