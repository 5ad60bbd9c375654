"""The portfolio page (issue 14), headless (streamlit.testing.v1.AppTest).

Expected numbers are never typed in: each is what ``finmodel.model.portfolio_result.evaluate``
gives for the same portfolio — built with the schema's own ``Portfolio.replace`` /
``with_cohort`` / ``without_cohort`` — formatted by the ``finmodel.ui.fmt`` call the page uses.
Files are read from and written to a temporary copy of ``assumptions/`` (fixture ``adir``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from finmodel import schema  # noqa: E402
from finmodel.model import portfolio_result as pr  # noqa: E402
from finmodel.schema import portfolio  # noqa: E402
from finmodel.ui import fmt, i18n, safe  # noqa: E402
from finmodel.ui import portfolio_files as pf  # noqa: E402
from finmodel.ui import portfolio_state as ps  # noqa: E402
from finmodel.ui import portfolio_view as pv  # noqa: E402

from . import test_app  # noqa: E402
from .test_app import errors, start  # noqa: E402
from .test_app_hostile import PAYLOADS, live_markup  # noqa: E402

adir = test_app.adir  # the fixture: a private copy of assumptions/ (portfolio/ included)

PAGE = "app_pages/portfolio.py"
PRESETS = ("h800_lots", "three_generations")


def open_page(lang: str = "zh", preset: str | None = None) -> AppTest:
    at = start({"lang": lang})
    at.switch_page(PAGE).run()
    no_exception(at)
    if preset is not None and preset != at.session_state[ps.BASE_ID]:
        at.selectbox(key=ps.PICK).set_value(preset).run()
        no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def loaded(adir: Path, preset: str) -> portfolio.Portfolio:
    return portfolio.load(adir / "portfolio" / f"{preset}.toml")


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def expected_cards(want: pr.PortfolioResult, base: pr.PortfolioResult, lang: str) -> dict[str, tuple[str, str]]:
    """Every card the page should show: label → (value, delta) from the engine's results."""
    out = {}
    for key in (*pv.kpi_keys(want, base), *pv.TAX):
        it = pr.item(key)
        delta = fmt.delta(want.company[key] - base.company[key], it.fmt, lang)
        out[pv.item_label(key, lang)] = (fmt.value(want.company[key], it, lang), delta or "")
    return out


def edit(at: AppTest, **state: Any) -> None:
    """Put an edit into the cohort editor (its state: edited_rows / deleted_rows by row) and rerun."""
    key = f"portfolio_editor_{at.session_state[ps.VERSION]}"
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **state}
    at.run()
    no_exception(at)


# --------------------------------------------------------------------------- renders
@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("preset", PRESETS)
def test_page_renders_each_preset_with_the_engines_company_kpis(adir: Path, preset: str, lang: str) -> None:
    at = open_page(lang, preset)
    p = loaded(adir, preset)
    assert at.session_state[ps.PF] == p
    r = pr.evaluate(p)
    assert metrics(at) == expected_cards(r, r, lang)
    assert not at.error
    has_debt = fmt.finite(r.company["min_dscr"])
    assert (pv.item_label("min_dscr", lang) in metrics(at)) == has_debt  # min DSCR only when there is debt
    assert len(at.get("vega_lite_chart")) == 1  # the open tab's chart
    cohort_table = at.dataframe[-1].value
    assert len(cohort_table) == len(p.cohorts)
    assert list(cohort_table.iloc[:, 0]) == list(pv.cohort_names(p).values())
    npv = pv.item_label("npv_cny", lang)
    assert list(cohort_table[npv]) == [fmt.value(x, pr.item("npv_cny"), lang) for x in r.cohorts["npv_cny"]]


@pytest.mark.parametrize("tab", ["pf_tab_flows", "pf_tab_capacity", "pf_tab_cumulative"])
def test_every_chart_tab_and_view_renders(adir: Path, tab: str) -> None:
    at = open_page("en", "three_generations")
    at.session_state["pf_tab"] = i18n.t(tab, "en")
    at.run()
    no_exception(at)
    assert len(at.get("vega_lite_chart")) == 1
    if tab == "pf_tab_capacity":
        for view in pv.CAPACITY_VIEWS:
            at.selectbox(key="pf_capacity_view").set_value(view).run()
            no_exception(at)
            assert len(at.get("vega_lite_chart")) == 1


# --------------------------------------------------------------------------- editing the cohort table
def test_shifting_a_purchase_month_gives_the_engines_kpis_and_deltas(adir: Path) -> None:
    at = open_page()
    p = loaded(adir, "h800_lots")
    row = [c.name for c in p.cohorts].index("lot_jan_2024")
    edit(at, edited_rows={row: {"purchase_month": 9.0}})  # the editor may send a whole number as a float
    shifted = p.replace({"cohorts.lot_jan_2024.purchase_month": 9})
    assert at.session_state[ps.PF] == shifted and at.session_state[ps.BASE] == p
    want, base = pr.evaluate(shifted), pr.evaluate(p)
    assert want.company["npv_cny"] != base.company["npv_cny"]  # the shift matters
    assert metrics(at) == expected_cards(want, base, "zh")
    assert not at.error
    at.button(key="pf_reset").click().run()
    assert at.session_state[ps.PF] == p and metrics(at) == expected_cards(base, base, "zh")


def test_typing_a_value_over_itself_changes_nothing(adir: Path) -> None:
    at = open_page()
    p = loaded(adir, "h800_lots")
    edit(at, edited_rows={1: {"purchase_month": 4, "heavy.servers": 38.0}})
    assert at.session_state[ps.PF] == p and not at.error
    assert at.session_state[ps.PF].doc == p.doc  # the values' sources are kept


def test_changing_servers_and_price_in_one_edit(adir: Path) -> None:
    at = open_page("en")
    p = loaded(adir, "h800_lots")
    edit(at, edited_rows={2: {"heavy.servers": 60, "heavy.price_cny_per_card_hour": 24.0}})
    changed = p.replace({"cohorts.lot_feb_2024.heavy.servers": 60,
                         "cohorts.lot_feb_2024.heavy.price_cny_per_card_hour": 24.0})
    assert at.session_state[ps.PF] == changed
    assert metrics(at) == expected_cards(pr.evaluate(changed), pr.evaluate(p), "en")


@pytest.mark.parametrize("source", ["copy:lot_jan_2024", "file:cohorts/h20_2025.toml", "scenario:h20_inference_west"])
def test_adding_a_cohort(adir: Path, source: str) -> None:
    at = open_page()
    p = at.session_state[ps.PF]
    at.selectbox(key=ps.ADD_SOURCE).set_value(source)
    at.text_input(key=ps.ADD_NAME).set_value("lot_2025")
    at.number_input(key=ps.ADD_MONTH).set_value(12)
    at.button(key="pf_add").click().run()
    no_exception(at)
    kind, _, ref = source.partition(":")
    if kind == "copy":  # a copy of the cohort's table: its scenario and overrides, its own purchase month
        table = {k: v for k, v in p.doc["cohorts"][ref].items() if k not in ("label", "successor")}
        table["purchase_month"] = 12
    elif kind == "file":
        table = {"scenario": ref, "model": "heavy", "purchase_month": 12}
    else:
        table = {"model": "heavy", "purchase_month": 12, **pf.cohort_tables(schema.load(adir / f"{ref}.toml"), "heavy")}
    added = p.with_cohort("lot_2025", table)
    assert at.session_state[ps.PF] == added
    assert metrics(at) == expected_cards(pr.evaluate(added), pr.evaluate(p), "zh")
    assert len(at.dataframe[-1].value) == len(p.cohorts) + 1
    if kind == "scenario":  # the scenario's inputs are the cohort's
        h20 = schema.load(adir / f"{ref}.toml")
        assert added.cohort("lot_2025").scenario.heavy == h20.heavy


def test_removing_a_cohort_and_its_successor_is_told(adir: Path) -> None:
    at = open_page("en", "three_generations")
    p = loaded(adir, "three_generations")
    edit(at, deleted_rows=[0])  # a100_2022, whose successor is h20_2025
    removed = p.without_cohort("a100_2022")
    assert at.session_state[ps.PF] == removed
    assert metrics(at) == expected_cards(pr.evaluate(removed), pr.evaluate(p), "en")
    shown = "\n".join(i.value for i in at.info)
    assert "h20_2025" in shown and "a100_2022" in shown


def test_removing_a_cohort_that_others_copy_is_refused_and_changes_nothing(adir: Path) -> None:
    at = open_page()
    before, cards = at.session_state[ps.PF], metrics(at)
    edit(at, deleted_rows=[0])  # order_sep_2023: lot_jan_2024 and lot_feb_2024 are `like` it
    assert at.session_state[ps.PF] == before and metrics(at) == cards
    assert "cohorts.lot_jan_2024.like" in errors(at) and len(at.error) == 1
    edit(at, deleted_rows=[0, 1, 2])  # all three: the copies go first, then the original; nothing left
    assert at.session_state[ps.PF] == before and "cohorts" in errors(at)


@pytest.mark.parametrize(("cells", "says"), [
    ({1: {"purchase_month": 70}}, "cohorts.lot_jan_2024.purchase_month = 70: past the company horizon"),
    ({1: {"heavy.servers": -5}}, "cohorts.lot_jan_2024.heavy.servers = -5"),
    ({1: {"heavy.servers": None}}, "cohorts.lot_jan_2024.heavy.servers"),
    ({0: {"light.capacity_p": 10.0}}, "cohorts.order_sep_2023.light"),
], ids=["past-horizon", "negative", "empty", "inert"])
def test_a_bad_edit_shows_one_message_and_changes_nothing(adir: Path, cells: dict, says: str) -> None:
    at = open_page()
    before, cards, version = at.session_state[ps.PF], metrics(at), at.session_state[ps.VERSION]
    edit(at, edited_rows=cells)
    assert len(at.error) == 1 and says in errors(at)
    assert at.session_state[ps.PF] == before and metrics(at) == cards
    assert at.session_state[ps.VERSION] > version  # the editor starts again from the unchanged table
    edit(at, edited_rows={1: {"purchase_month": 6}})  # the next good edit clears the message
    assert not at.error and at.session_state[ps.PF] == before.replace({"cohorts.lot_jan_2024.purchase_month": 6})


def test_adding_a_cohort_with_a_taken_or_bad_name_is_refused(adir: Path) -> None:
    at = open_page("en")
    before = at.session_state[ps.PF]
    for name, says in (("lot_jan_2024", "a cohort named lot_jan_2024 exists"), ("", "give the new cohort a name"),
                       ("9lives", "cohorts.9lives")):
        at.text_input(key=ps.ADD_NAME).set_value(name)
        at.button(key="pf_add").click().run()
        no_exception(at)
        assert says in errors(at) and at.session_state[ps.PF] == before


# --------------------------------------------------------------------------- files: upload, save, download
def test_upload_resolves_cohort_files_in_the_presets_folder(adir: Path) -> None:
    at = open_page()
    data = (adir / "portfolio" / "three_generations.toml").read_bytes()
    at.file_uploader(key=ps.UPLOAD).set_value(("fleet.toml", data, "application/toml")).run()
    no_exception(at)
    assert at.session_state[ps.BASE_ID] == "upload:fleet.toml"
    want = portfolio.parse(data.decode(), "fleet.toml", adir / "portfolio")
    assert at.session_state[ps.PF] == want
    r = pr.evaluate(want)
    assert metrics(at) == expected_cards(r, r, "zh")


@pytest.mark.parametrize(("name", "data", "says"), [
    ("escape.toml", b'[cohorts.a]\nscenario = "../seed_fs2024.toml"\n', "outside the portfolio's folder"),
    ("latin1.toml", "name = 'caf\xe9'\n[cohorts.a]\n".encode("latin-1"), i18n.t("err_not_utf8", "zh")),
    ("deep.toml", b"[cohorts.a]\nx = " + b"[" * 500 + b"]" * 500 + b"\n", str(schema.MAX_TOML_NESTING)),
    ("[verify](https://evil.example).toml", b"[cohorts.a]\nmodel = 'x'\n", "cohorts.a.model"),
], ids=["path-escape", "not-utf8", "deep", "markdown-name"])
def test_a_bad_upload_is_refused_in_one_message_and_keeps_the_portfolio(adir: Path, name: str, data: bytes,
                                                                         says: str) -> None:
    at = open_page()
    before = at.session_state[ps.PF]
    at.file_uploader(key=ps.UPLOAD).set_value((name, data, "application/toml")).run()
    no_exception(at)
    assert len(at.error) == 1 and says in errors(at)
    assert safe.literal(name) in errors(at) and not live_markup(errors(at))  # the name shown literally
    assert at.session_state[ps.PF] == before


def test_upload_guard_is_the_scenarios_one() -> None:
    """Size and type are checked before anything is read (the uploader also filters by type)."""
    from finmodel.ui import files

    with pytest.raises(files.FileProblem) as err:
        pf.parse_upload("fleet.xlsx", b"PK\x03\x04")
    assert err.value.code == "err_type" and ".toml" in err.value.message("en")
    with pytest.raises(files.FileProblem) as err:
        pf.parse_upload("big.toml", b"#" * (files.MAX_TOML_BYTES + 1))
    assert err.value.code == "err_too_large"


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_markdown_in_a_portfolio_name_and_cohort_labels_is_shown_literally(adir: Path, payload: str) -> None:
    p = loaded(adir, "h800_lots")
    doc = {**p.doc, "name": PAYLOADS[payload]}
    doc["cohorts"] = {k: {**v, "label": PAYLOADS[payload]} for k, v in p.doc["cohorts"].items()}
    text = portfolio.validate_portfolio(doc, p.folder).to_toml()
    at = open_page("en")
    at.file_uploader(key=ps.UPLOAD).set_value(("fleet.toml", text.encode(), "application/toml")).run()
    no_exception(at)
    assert at.session_state[ps.PF].name == PAYLOADS[payload]
    shown = [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error") for e in at.get(kind)]
    assert any(safe.literal(PAYLOADS[payload]) in x for x in shown)  # the name is on the page, as itself
    assert not [x for x in shown if live_markup(x)]


def test_save_writes_a_self_contained_file_exclusively(adir: Path) -> None:
    at = open_page()
    edit(at, edited_rows={1: {"purchase_month": 7}})
    current = at.session_state[ps.PF]
    at.text_input(key=ps.SAVE_NAME).set_value("my_lots")
    at.button(key="pf_save").click().run()
    no_exception(at)
    path = adir / "user" / "portfolio" / "my_lots.toml"
    text = path.read_text(encoding="utf-8")
    assert "scenario =" not in text  # no file references: it opens anywhere
    saved = portfolio.load(path)
    assert saved.name == "my_lots" and at.session_state[ps.BASE_ID] == "user/my_lots"
    assert pr.evaluate(saved).company == pytest.approx(pr.evaluate(current).company, nan_ok=True, rel=0, abs=0)
    assert at.session_state[ps.PF] == saved and not at.error
    at.button(key="pf_save").click().run()  # the same name again: refused, the file kept
    assert "my_lots" in errors(at) and path.read_text(encoding="utf-8") == text
    at.text_input(key=ps.SAVE_NAME).set_value("h800_lots")  # a preset's name
    at.button(key="pf_save").click().run()
    assert "h800_lots" in errors(at) and not (adir / "user" / "portfolio" / "h800_lots.toml").exists()


@pytest.mark.parametrize("preset", PRESETS)
def test_self_contained_file_gives_the_same_results(adir: Path, preset: str) -> None:
    p = loaded(adir, preset)
    inline = pf.self_contained(p)
    assert all("scenario" not in t for t in inline.doc["cohorts"].values())
    a, b = pr.evaluate(p), pr.evaluate(inline)
    assert a.company == pytest.approx(b.company, nan_ok=True, rel=0, abs=0)
    assert a.monthly.equals(b.monthly)
    assert portfolio.parse(pf.toml_bytes(p).decode(), "x.toml").cohorts == inline.cohorts  # text only: no folder


def test_company_monthly_csv_is_the_engines_table(adir: Path) -> None:
    import io

    import pandas as pd

    r = pr.evaluate(loaded(adir, "three_generations"))
    for lang in i18n.LANGS:
        raw = pv.csv_bytes(r, lang)
        assert raw.startswith(b"\xef\xbb\xbf")
        df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", index_col=0)
        assert len(df) == r.portfolio.horizon_months + 1 and len(df.columns) == len(pv.MONTHLY)
        label = f"{pv.item_label('equity_cash_flow_cny', lang)} [{i18n.unit('CNY/month', lang)}]"
        assert df[label].to_numpy() == pytest.approx(r.monthly["equity_cash_flow_cny"].to_numpy(), rel=1e-15)
