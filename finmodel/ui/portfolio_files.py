"""Portfolio files for the dashboard: shipped presets, saved user portfolios, uploads.

- Presets are the ``*.toml`` files of ``<assumptions>/portfolio/`` (the app never writes there);
  saved portfolios live in ``<assumptions>/user/portfolio/`` (git-ignored), with the names, ids
  (``h800_lots``, ``user/my_fleet``) and exclusive writes of :mod:`finmodel.ui.files`.
- A saved portfolio is **self-contained** (:func:`self_contained`): each cohort that names a
  scenario file carries that scenario's inputs as its overrides instead, so the file works
  wherever it is (the schema resolves file references only inside a portfolio's own folder, and
  the user folder has no ``cohorts/``). It is checked to resolve to the same cohorts before it is
  written.
- An upload passes the scenarios' guard (:func:`finmodel.ui.files.guarded_upload`: size, type,
  UTF-8, nesting) and is validated by :func:`finmodel.schema.portfolio.parse` as if it sat in the
  presets' folder: its file references resolve there (``cohorts/h800_2024.toml``) and nowhere
  else (the schema refuses paths that leave that folder).
"""

from __future__ import annotations

import copy
from typing import Any

from finmodel.schema import Scenario, portfolio
from finmodel.schema.portfolio import LIGHT_READS_HEAVY, OVERRIDE_TABLES, Cohort, Portfolio
from finmodel.schema.tomlio import source_table
from finmodel.ui import files
from finmodel.ui.files import FileProblem, Ref

DEFAULT_ID = "h800_lots"
#: Cohort scenario files offered by reference, relative to a portfolio's folder.
COHORT_FILES = "cohorts/*.toml"


def folders() -> files.Folders:
    """Presets ``<assumptions>/portfolio``, saved files ``<assumptions>/user/portfolio``."""
    return files.Folders(files.assumptions_dir() / "portfolio", files.user_dir() / "portfolio", DEFAULT_ID)


def list_refs() -> list[Ref]:
    """Preset portfolios first (the default at the top), then saved ones, by name."""
    return folders().list_refs()


def load(ref_id: str) -> Portfolio:
    """Load a portfolio by id; :class:`FileProblem` if unknown, ``PortfolioError`` if invalid."""
    ref = folders().find(ref_id)
    if ref is None:
        raise FileProblem("unknown_portfolio", name=ref_id)
    return portfolio.load(ref.path)


def parse_upload(filename: str, data: bytes) -> Portfolio:
    """Validate an uploaded portfolio (TOML) through the scenarios' upload guard; file references
    resolve in the presets' folder. Raises :class:`FileProblem` or ``PortfolioError``."""
    return files.guarded_upload(filename, data, {".toml": _read_toml})


def _read_toml(data: bytes, origin: str) -> Portfolio:
    return portfolio.parse(files.upload_text(data), origin=origin, folder=folders().presets)


def cohort_files(p: Portfolio) -> list[str]:
    """The scenario files a new cohort of ``p`` may name (``cohorts/*.toml`` of its folder)."""
    if p.folder is None:
        return []
    return sorted(f.relative_to(p.folder).as_posix() for f in p.folder.glob(COHORT_FILES) if f.is_file())


# --------------------------------------------------------------------------- cohorts from scenarios
def _acting(model: str) -> dict[str, tuple[str, ...] | None]:
    """The scenario sections (and, for a light book, the heavy inputs) a cohort of ``model`` reads:
    None = the whole section. The rest would have no effect, and the schema refuses it."""
    if model == "heavy":
        return {"heavy": None}
    return {"heavy": tuple(p.removeprefix("heavy.") for p in LIGHT_READS_HEAVY), "light": None}


def cohort_tables(scenario: Scenario, model: str) -> dict[str, dict[str, Any]]:
    """A scenario's inputs as a cohort's ``[heavy]`` / ``[light]`` override tables (with their
    sources), only those a cohort of ``model`` reads."""
    out: dict[str, dict[str, Any]] = {}
    for section, keys in _acting(model).items():
        values = getattr(scenario, section).model_dump()
        if keys is not None:
            values = {k: v for k, v in values.items() if k in keys}
        out[section] = source_table(values, scenario.sources, f"{section}.")
    return out


def _effective(c: Cohort) -> tuple[Any, ...]:
    """What a cohort's results depend on: its timing and the inputs its business model reads."""
    inputs = []
    for section, keys in _acting(c.model).items():
        values = getattr(c.scenario, section).model_dump()
        inputs.append({k: v for k, v in values.items() if keys is None or k in keys})
    return (c.name, c.model, c.purchase_month, c.slip_months, c.late_share, c.retire_month,
            c.resale_share_of_book, c.successor, inputs)


def self_contained(p: Portfolio, name: str | None = None) -> Portfolio:
    """``p`` without file references: each cohort that names a scenario file gets that file's
    inputs (with its overrides applied) as overrides. Checked to resolve to the same cohorts;
    ``name`` replaces the portfolio's name."""
    doc = copy.deepcopy(dict(p.doc))
    if name is not None:
        doc["name"] = name
    for key, table in doc.get("cohorts", {}).items():
        if "scenario" in table:
            c = p.cohort(key)
            rest = {k: v for k, v in table.items() if k not in ("scenario", *OVERRIDE_TABLES)}
            doc["cohorts"][key] = {**rest, **cohort_tables(c.scenario, c.model)}
    out = portfolio.validate_portfolio(doc, None)
    if [_effective(c) for c in out.cohorts] != [_effective(c) for c in p.cohorts]:  # pragma: no cover - a bug
        raise FileProblem("err_inline")
    return out


def save_user(p: Portfolio, name: str) -> Ref:
    """Save ``p``, self-contained and named ``name``, as ``user/portfolio/<name>.toml``: exclusive
    (an existing file is never replaced; two sessions saving one new name: one wins), never a
    preset's name."""
    fs = folders()
    name, path = fs.new_user_path(name)
    try:
        self_contained(p, name).save(path)
    except FileExistsError:
        raise FileProblem("err_pf_name_exists", name=name) from None
    return Ref(files.USER_PREFIX + name, "user", path)


def toml_bytes(p: Portfolio) -> bytes:
    """The portfolio as a self-contained TOML file (a download opens anywhere)."""
    return self_contained(p).to_toml().encode("utf-8")


__all__ = ["COHORT_FILES", "DEFAULT_ID", "cohort_files", "cohort_tables", "folders", "list_refs", "load",
           "parse_upload", "save_user", "self_contained", "toml_bytes"]
