"""Portfolio files are validated like scenario files: one short ``error:`` line per problem, naming
the cohort and the field; file references never leave the portfolio's folder; cycles are refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from finmodel import schema
from finmodel.model import engine, light
from finmodel.schema import portfolio
from finmodel.schema.portfolio import LIGHT_READS_HEAVY, PortfolioError
from tests.test_hostile_inputs import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "assumptions" / "seed_fs2024.toml"
PRESETS = sorted((ROOT / "assumptions" / "portfolio").glob("*.toml"))


def problems(text: str, folder: Path | None = None) -> list[str]:
    """The problem lines of a portfolio text (without the origin)."""
    with pytest.raises(PortfolioError) as err:
        portfolio.parse(text, folder=folder)
    return [str(p) for p in err.value.problems]


def refused(tmp_path: Path, text: str, *names: str, lines: int = 1) -> list[str]:
    """The CLI refuses the portfolio ``text`` with ``lines`` error lines naming ``names``."""
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return assert_refused(invoke(["portfolio", path]), *names, lines=lines)


# --------------------------------------------------------------------------- keys and values
def test_presets_load() -> None:
    assert {p.name for p in PRESETS} >= {"h800_lots.toml", "three_generations.toml"}
    for path in PRESETS:
        assert portfolio.load(path).cohorts


@pytest.mark.parametrize(("text", "name"), [
    ("[compnay]\n[cohorts.a]\n", "compnay"),
    ("[company]\nstaf_cny_per_month = 1\n[cohorts.a]\n", "company.staf_cny_per_month"),
    ("[cohorts.a]\npurchse_month = 3\n", "cohorts.a.purchse_month"),
    ("[cohorts.a.heavy]\nserverz = 3\n", "cohorts.a.heavy.serverz"),
    ("[cohorts.a.heavy]\nservers = 0\n", "cohorts.a.heavy.servers"),
    ("[cohorts.a]\nslip_months = -1\n", "cohorts.a.slip_months"),
    ("[cohorts.a]\nlate_share = 1.5\nslip_months = 2\n", "cohorts.a.late_share"),
    ("[cohorts.a.general]\ntax_rate = 0.2\n", "cohorts.a.general"),
    ("[cohorts.a]\nmodel = \"medium\"\n", "cohorts.a.model"),
    ("[cohorts.\"lot 1\"]\n", "cohorts.lot 1"),
    ("[general]\nhorizon_months = 0\n[cohorts.a]\n", "general.horizon_months"),
    ("name = \"x\"\n", "cohorts"),
])
def test_each_bad_key_or_value_is_one_line_naming_it(tmp_path: Path, text: str, name: str) -> None:
    refused(tmp_path, text, name)


def test_typos_get_a_suggestion() -> None:
    assert "did you mean purchase_month" in problems("[cohorts.a]\npurchse_month = 3\n")[0]
    assert "did you mean heavy.servers" in problems("[cohorts.a.heavy]\nserverz = 3\n")[0]


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    text = ("[cohorts.a.heavy]\nservers = 0\n[cohorts.b]\npurchase_month = 99\n[cohorts.c]\nmodel = \"light\"\n"
            "[cohorts.c.heavy]\nservers = 3\n")
    refused(tmp_path, text, "cohorts.a.heavy.servers", "cohorts.b.purchase_month", "cohorts.c.heavy.servers",
            lines=3)


# --------------------------------------------------------------------------- timing
@pytest.mark.parametrize(("text", "name", "words"), [
    ("[cohorts.a]\npurchase_month = 60\n", "cohorts.a.purchase_month", "past the company horizon"),
    ("[general]\nhorizon_months = 24\n[cohorts.a]\npurchase_month = 30\n", "cohorts.a.purchase_month", "< 24"),
    ("[cohorts.a]\npurchase_month = 10\nretire_month = 10\n", "cohorts.a.retire_month", "10 < value ≤ 60"),
    ("[cohorts.a]\nretire_month = 70\n", "cohorts.a.retire_month", "≤ 60"),
    ("[general]\nhorizon_months = 48\n[cohorts.a]\nretire_month = 48\nsuccessor = \"b\"\n[cohorts.b]\n",
     "cohorts.b.purchase_month", "retire_month of cohorts.a"),
    ("[cohorts.a]\nretire_month = 24\nsuccessor = \"b\"\n[cohorts.b]\npurchase_month = 12\n",
     "cohorts.b.purchase_month", "set by cohorts.a.retire_month = 24"),
    ("[cohorts.a]\nsuccessor = \"b\"\n[cohorts.b]\n", "cohorts.a.successor", "set retire_month"),
    ("[cohorts.a]\nslip_months = 3\n", "cohorts.a.slip_months", "no effect without late_share"),
    ("[cohorts.a]\nlate_share = 0.5\n", "cohorts.a.late_share", "no effect without slip_months"),
    ("[cohorts.a]\nmodel = \"light\"\nslip_months = 2\nlate_share = 0.5\n", "cohorts.a.slip_months",
     "no delivery"),
    ("[cohorts.a]\nresale_share_of_book = 0.5\n", "cohorts.a.resale_share_of_book", "set retire_month"),
    ("[cohorts.a.light]\ncapacity_p = 5\n", "cohorts.a.light", "no effect"),
    ("[cohorts.a]\nmodel = \"light\"\n[cohorts.a.heavy]\nserver_price_cny = 1\n", "cohorts.a.heavy.server_price_cny",
     "no effect"),
])
def test_timing_and_inert_inputs_are_refused_by_name(text: str, name: str, words: str) -> None:
    lines = problems(text)
    assert len(lines) == 1 and lines[0].startswith(name) and words in lines[0], lines


def test_a_light_book_reads_exactly_the_heavy_inputs_declared() -> None:
    read: set[str] = set()

    class Recorder(engine.FormulaContext):
        def x(self, path: str) -> engine.Sym:  # type: ignore[override]
            read.add(path)
            return super().x(path)

        def is_(self, path: str, option: str) -> engine.Sym:  # type: ignore[override]
            read.add(path)
            return super().is_(path, option)

    layout = {i.key: engine.Cell("S", row=n + 10) if i.kind == "row" else engine.Cell("S", name=f"n{n}")
              for n, i in enumerate(light.ALL)}
    ctx = Recorder(layout, {"S": 1}, "A", "B", "C")
    for it in light.ALL:
        ctx.formula(it)
    assert {p for p in read if p.startswith("heavy.")} == set(LIGHT_READS_HEAVY)


# --------------------------------------------------------------------------- references
@pytest.mark.parametrize(("text", "name", "words"), [
    ("[cohorts.a]\nlike = \"b\"\n[cohorts.b]\nlike = \"a\"\n", "cohorts.a.like", "a → b → a"),
    ("[cohorts.a]\nlike = \"b\"\n[cohorts.b]\nlike = \"c\"\n[cohorts.c]\nlike = \"a\"\n", "cohorts.a.like",
     "a → b → c → a"),
    ("[cohorts.a]\nretire_month = 12\nsuccessor = \"b\"\n[cohorts.b]\nretire_month = 24\nsuccessor = \"a\"\n",
     "cohorts.a.successor", "a → b → a"),
    ("[cohorts.a]\nlike = \"a\"\n", "cohorts.a.like", "itself"),
    ("[cohorts.a]\nlike = \"bb\"\n[cohorts.b]\n", "cohorts.a.like", "no such cohort"),
    ("[cohorts.a]\nlike = \"b\"\nscenario = \"x.toml\"\n[cohorts.b]\n", "cohorts.a.like", "not both"),
    ("[cohorts.a]\nretire_month = 12\nsuccessor = \"c\"\n[cohorts.b]\nretire_month = 12\nsuccessor = \"c\"\n"
     "[cohorts.c]\n", "cohorts.b.successor", "already the successor of cohorts.a"),
])
def test_references_and_cycles_are_refused_by_name(text: str, name: str, words: str) -> None:
    lines = problems(text)
    assert len(lines) == 1 and lines[0].startswith(name) and words in lines[0], lines


def test_like_inherits_the_scenario_and_overrides_but_not_the_timing() -> None:
    p = portfolio.parse("[cohorts.a]\npurchase_month = 3\nslip_months = 2\nlate_share = 0.5\n[cohorts.a.heavy]\n"
                        "servers = 7\nserver_price_cny = 2000000\n[cohorts.b]\nlike = \"a\"\n[cohorts.b.heavy]\n"
                        "servers = 2\n")
    b = p.cohort("b")
    assert (b.scenario.heavy.servers, b.scenario.heavy.server_price_cny) == (2, 2_000_000)
    assert (b.purchase_month, b.slip_months, b.origin) == (0, 0, "like a")


# --------------------------------------------------------------------------- files
def folder_with_seed(tmp_path: Path) -> Path:
    inside = tmp_path / "portfolio"
    inside.mkdir()
    shutil.copy(SEED, inside / "seed.toml")
    shutil.copy(SEED, tmp_path / "outside.toml")
    return inside


@pytest.mark.parametrize("ref", ["../outside.toml", "sub/../../outside.toml", "{tmp}/outside.toml", "/etc/hostname",
                                 "link.toml"])
def test_references_outside_the_portfolio_folder_are_refused(tmp_path: Path, ref: str) -> None:
    inside = folder_with_seed(tmp_path)
    (inside / "sub").mkdir()
    os.symlink(tmp_path / "outside.toml", inside / "link.toml")
    path = inside / "p.toml"
    path.write_text(f'[cohorts.a]\nscenario = "{ref.format(tmp=tmp_path)}"\n', encoding="utf-8")
    lines = assert_refused(invoke(["portfolio", path]), "cohorts.a.scenario", "outside the portfolio's folder")
    assert "Traceback" not in lines[0]


def test_references_inside_the_folder_are_read(tmp_path: Path) -> None:
    inside = folder_with_seed(tmp_path)
    (inside / "sub").mkdir()
    shutil.copy(SEED, inside / "sub" / "s.toml")
    os.symlink(inside / "seed.toml", inside / "sub" / "link.toml")
    text = "".join(f'[cohorts.c{i}]\nscenario = "{ref}"\n' for i, ref in
                   enumerate(["seed.toml", "sub/s.toml", "sub/../seed.toml", str(inside / "seed.toml"),
                              "sub/link.toml"]))
    (inside / "p.toml").write_text(text, encoding="utf-8")
    p = portfolio.load(inside / "p.toml")
    assert [c.scenario.heavy.server_price_cny for c in p.cohorts] == [1_450_000.0] * 5


def test_unreadable_and_invalid_scenario_files_are_named(tmp_path: Path) -> None:
    inside = folder_with_seed(tmp_path)
    (inside / "big.toml").write_bytes(b"#" * 1_000_001)
    (inside / "bad.toml").write_text("[general]\n[heavy]\nservers = -1\n[light]\n", encoding="utf-8")
    (inside / "p.toml").write_text('[cohorts.a]\nscenario = "missing.toml"\n[cohorts.b]\nscenario = "big.toml"\n'
                                   '[cohorts.c]\nscenario = "bad.toml"\n', encoding="utf-8")
    lines = assert_refused(invoke(["portfolio", inside / "p.toml"]), "cohorts.a.scenario", "cannot read",
                           "cohorts.b.scenario", "too large", "cohorts.c.scenario", "heavy.servers", lines=3)
    assert all(line.count("error:") == 1 for line in lines)


def test_a_portfolio_given_as_text_cannot_read_files() -> None:
    assert "given as text" in problems('[cohorts.a]\nscenario = "seed.toml"\n')[0]


# --------------------------------------------------------------------------- round trip and saving
def test_a_portfolio_round_trips_and_replace_revalidates(tmp_path: Path) -> None:
    p = portfolio.load(ROOT / "assumptions" / "portfolio" / "three_generations.toml")
    again = portfolio.parse(p.to_toml(), folder=p.folder)
    assert again.cohorts == p.cohorts and again.company == p.company
    moved = p.replace({"cohorts.h800_2023.purchase_month": 6, "cohorts.h800_2023.heavy.servers": 4})
    assert moved.get("cohorts.h800_2023.purchase_month") == 6 and moved.get("cohorts.h800_2023.heavy.servers") == 4
    assert p.get("cohorts.h800_2023.purchase_month") == 12  # the original is unchanged
    assert p.get("cohorts.h20_2025.purchase_month") == 36  # a successor: its predecessor's retire_month
    with pytest.raises(PortfolioError, match="cohorts.h800_2023.purchase_month = 90: past the company horizon"):
        p.replace({"cohorts.h800_2023.purchase_month": 90})
    with pytest.raises(schema.UnknownFieldError, match="set general.tax_rate once for the company"):
        p.replace({"cohorts.h800_2023.general.tax_rate": 0.1})


def test_save_is_exclusive_unless_told_and_checks_references_first(tmp_path: Path) -> None:
    p = portfolio.load(ROOT / "assumptions" / "portfolio" / "h800_lots.toml")
    target = ROOT / "assumptions" / "portfolio" / f".test_save_{os.getpid()}.toml"
    try:
        p.save(target)
        assert portfolio.load(target).cohorts == p.cohorts
        with pytest.raises(FileExistsError):
            p.save(target)
        p.save(target, overwrite=True)
    finally:
        target.unlink(missing_ok=True)
    with pytest.raises(PortfolioError, match="cohorts.order_sep_2023.scenario"):
        p.save(tmp_path / "elsewhere.toml")  # its cohort file is not beside the new location
    assert not list(tmp_path.iterdir())


def test_cohorts_are_added_and_removed_through_the_file_data() -> None:
    p = portfolio.load(ROOT / "assumptions" / "portfolio" / "h800_lots.toml")
    more = p.with_cohort("lot_mar_2024", {"like": "lot_jan_2024", "purchase_month": 6, "heavy": {"servers": 10}})
    assert [c.name for c in more.cohorts][-1] == "lot_mar_2024" and more.get("cohorts.lot_mar_2024.heavy.servers") == 10
    assert [c.name for c in more.without_cohort("lot_mar_2024").cohorts] == [c.name for c in p.cohorts]
    with pytest.raises(PortfolioError, match="cohorts.lot_jan_2024.like = 'order_sep_2023': no such cohort"):
        p.without_cohort("order_sep_2023")  # the lots of 2024 are like the first order
    with pytest.raises(schema.UnknownFieldError, match="unknown cohort 'lot_x'"):
        p.without_cohort("lot_x")


def test_replace_with_none_removes_the_path_from_the_file() -> None:
    p = portfolio.parse("[general]\nhorizon_months = 48\n[company]\nstaff_cny_per_month = 5000\n"
                        "[cohorts.a]\n[cohorts.a.heavy]\nservers = 4\n[cohorts.b]\nlike = \"a\"\npurchase_month = 6\n"
                        "[cohorts.b.heavy]\nservers = 7\n")
    q = p.replace({"company.staff_cny_per_month": None, "cohorts.b.heavy.servers": None,
                   "cohorts.b.purchase_month": None})
    assert q.company.staff_cny_per_month == 0.0  # the field's default
    assert q.cohort("b").scenario.heavy.servers == 4  # back to its `like` cohort's value
    assert q.cohort("b").purchase_month == 0
    assert "servers" not in q.doc["cohorts"]["b"]["heavy"] and "staff_cny_per_month" not in q.doc["company"]
    assert p.replace({"cohorts.a.slip_months": None}) == p.replace({})  # nothing to remove: unchanged
    with pytest.raises(schema.UnknownFieldError, match=r"unknown cohort 'bb'; did you mean b\?"):
        p.replace({"cohorts.bb.heavy.servers": 3})  # a typo does not add a cohort


@pytest.mark.parametrize("text", ["[general]\nhorizon_months = 48\n", "[cohorts]\n", "name = \"x\"\n[cohorts]\n"])
def test_a_portfolio_without_cohorts_is_refused_with_one_error_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    run = invoke(["portfolio", path])
    assert run.code != 0
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "at least one cohort" in lines[0], run.stderr
