"""Reading a portfolio's tables and resolving its cohorts: file references (guarded), ``like``
chains, overrides, timing.

* **Files.** ``scenario = "cohorts/h800.toml"`` is resolved against the portfolio file's folder and
  must stay inside it after every symlink is followed (``..`` that leaves the folder, an absolute
  path elsewhere, or a symlink pointing out are refused); it is read through the guarded reader
  (size limit, UTF-8) and validated as a scenario.
* **References.** ``like`` (inherit another cohort's scenario and overrides) and ``successor``
  (bought at this cohort's ``retire_month``) must name cohorts of the file; cycles are refused.
* **Scenario.** The base (file, ``like`` cohort or schema defaults) plus the ``[heavy]``/``[light]``
  overrides, with the company's ``[general]`` in place of the cohort's own, validated by the scenario
  schema; each problem is named ``cohorts.<name>.<section>.<field>``.
* **Timing.** Purchase before the horizon, retirement after the purchase and by the horizon,
  slippage only with both of its inputs, refresh fields only where they act.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from finmodel.schema.errors import MISSING, Problem, ScenarioError, did_you_mean, issues
from finmodel.schema.fields import field_specs
from finmodel.schema.portfolio import (
    COHORT_FIELDS,
    LIGHT_READS_HEAVY,
    MAX_COHORTS,
    NAME,
    OVERRIDE_TABLES,
    Cohort,
    CohortSpec,
)
from finmodel.schema.scenario import default, parse_toml, validate
from finmodel.schema.sections import General, _Section
from finmodel.schema.tomlio import parse_toml_text, read_input, split_sources


def resolve_cohorts(raws: list[RawCohort], names: tuple[str, ...], general: General, folder: Path | None,
                    problems: list[Problem]) -> tuple[list[Cohort], list[str]]:
    """The resolved cohorts (in file order) and notes; problems are appended to ``problems``.

    ``raws`` are the cohorts whose own tables are valid, ``names`` every cohort of the file (a
    reference to a cohort with problems of its own is not reported again)."""
    by_name = {r.name: r for r in raws}
    before = len(problems)
    _check_references(raws, by_name, names, problems)
    if len(problems) > before or len(raws) < len(names):
        return [], []
    notes: list[str] = []
    bases: dict[str, tuple[dict[str, Any], str, str]] = {}  # name → (scenario data, model, origin)
    failed: set[str] = set()
    for r in raws:
        _base(r, by_name, folder, bases, problems, notes, failed)
    predecessor = {r.spec.successor: r for r in raws if r.spec.successor}
    out = []
    for r in raws:
        if r.name not in bases:
            continue
        data, model, origin = bases[r.name]
        scenario = _scenario(r, data, general, problems, notes)
        _check_inert(r, model, problems)
        cohort = _timing(r, model, scenario, origin, predecessor.get(r.name), general.horizon_months, problems)
        if cohort is not None:
            _note_late_delivery(cohort, notes)
            out.append(cohort)
    return out, notes


# --------------------------------------------------------------------------- the file's tables
def section(model: type[_Section], key: str, table: Any, problems: list[Problem]) -> Any:
    """One fixed table (general, company, shocks) validated; its problems added to ``problems``."""
    if not isinstance(table, dict):
        problems.append(Problem(key, table, "expected a table of fields"))
        return None
    values, _, bad = split_sources(table)
    problems += [Problem(f"{key}.{k}", v, why) for k, v, why in bad]
    try:
        return model.model_validate(values, strict=True)
    except ValidationError as err:
        specs = field_specs(model)
        problems += [Problem(f"{key}.{i.path}", i.value, i.message) for i in issues(err, model, specs)]
        return None


@dataclass(frozen=True)
class RawCohort:
    """A cohort's validated table and its override tables (``{section: {field: value}}``, sources)."""

    name: str
    spec: CohortSpec
    overrides: dict[str, dict[str, Any]]
    sources: dict[str, str]


def cohort_specs(table: Any, problems: list[Problem]) -> tuple[list[RawCohort], tuple[str, ...]]:
    """The cohorts whose own tables are valid, and the names of all cohorts in the file."""
    if not isinstance(table, dict) or not table:
        problems.append(Problem("cohorts", MISSING, "a portfolio needs at least one cohort: [cohorts.<name>]"))
        return [], ()
    if len(table) > MAX_COHORTS:
        problems.append(Problem("cohorts", len(table), f"too many cohorts; allowed: at most {MAX_COHORTS}"))
        return [], ()
    out = []
    for name, raw in table.items():
        where = f"cohorts.{name}"
        if not NAME.match(name):
            problems.append(Problem(where, MISSING, "a cohort name is a letter then letters, digits or _ (at most "
                                    "40), e.g. h800_2024"))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(where, raw, "expected a table: [cohorts.<name>]"))
            continue
        raw = dict(raw)
        if "general" in raw:
            raw.pop("general")
            problems.append(Problem(f"{where}.general", MISSING, "a cohort has no [general] of its own: the "
                                    "horizon, discount rate, tax rate and hours are set once in [general]"))
        overrides, sources = {}, {}
        for section in OVERRIDE_TABLES:
            if section in raw:
                sub = raw.pop(section)
                if not isinstance(sub, dict):
                    problems.append(Problem(f"{where}.{section}", sub, "expected a table of scenario inputs"))
                    continue
                overrides[section], found, bad = split_sources(sub)
                sources.update({f"{section}.{k}": s for k, s in found.items()})
                problems += [Problem(f"{where}.{section}.{k}", v, why) for k, v, why in bad]
        values, _, bad = split_sources(raw)
        problems += [Problem(f"{where}.{k}", v, why) for k, v, why in bad]
        try:
            spec = CohortSpec.model_validate(values, strict=True)
        except ValidationError as err:
            problems += [Problem(f"{where}.{i.path}", i.value, i.message)
                         for i in issues(err, CohortSpec, COHORT_FIELDS)]
            continue
        out.append(RawCohort(name, spec, overrides, sources))
    return out, tuple(table)


# --------------------------------------------------------------------------- references
def _check_references(raws: list[RawCohort], by_name: dict[str, RawCohort], names: tuple[str, ...],
                      problems: list[Problem]) -> None:
    named_by: dict[str, str] = {}
    before = len(problems)
    for r in raws:
        where, s = f"cohorts.{r.name}", r.spec
        if s.scenario is not None and s.like is not None:
            problems.append(Problem(f"{where}.like", s.like, "give either scenario (a file) or like (a cohort), "
                                    "not both"))
        for key, ref in (("like", s.like), ("successor", s.successor)):
            if ref is None:
                continue
            if ref not in names:
                problems.append(Problem(f"{where}.{key}", ref, f"no such cohort{did_you_mean(ref, names)}; "
                                        f"cohorts: {', '.join(names[:20])}"))
            elif ref == r.name:
                problems.append(Problem(f"{where}.{key}", ref, "a cohort cannot refer to itself"))
        if s.successor is not None:
            if s.retire_month is None:
                problems.append(Problem(f"{where}.successor", s.successor, "a successor is bought when this cohort "
                                        "retires: set retire_month"))
            if s.successor in named_by:
                problems.append(Problem(f"{where}.successor", s.successor, f"already the successor of "
                                        f"cohorts.{named_by[s.successor]}; a cohort replaces one predecessor"))
            named_by.setdefault(s.successor, r.name)
    if len(problems) == before and len(raws) == len(names):
        for key in ("like", "successor"):
            _check_cycles(raws, by_name, key, problems)


def _check_cycles(raws: list[RawCohort], by_name: dict[str, RawCohort], key: str, problems: list[Problem]) -> None:
    reported: set[str] = set()
    for r in raws:
        chain, cur = [r.name], getattr(r.spec, key)
        while cur is not None and cur not in chain:
            chain.append(cur)
            cur = getattr(by_name[cur].spec, key)
        if cur is not None and r.name == cur and not reported & set(chain):
            reported |= set(chain)
            text = " → ".join([*chain, cur])
            problems.append(Problem(f"cohorts.{r.name}.{key}", getattr(r.spec, key), f"a cycle of references: {text}"))


# --------------------------------------------------------------------------- the scenario of a cohort
def _base(r: RawCohort, by_name: dict[str, RawCohort], folder: Path | None,
          bases: dict[str, tuple[dict[str, Any], str, str]], problems: list[Problem], notes: list[str],
          failed: set[str]) -> None:
    """The scenario data of ``r`` before the company's general section: its base plus its overrides
    (memoised in ``bases``, or its name in ``failed``; ``like`` chains are acyclic here)."""
    if r.name in bases or r.name in failed:
        return
    s = r.spec
    model = s.model
    if s.like is not None:
        parent = by_name[s.like]
        _base(parent, by_name, folder, bases, problems, notes, failed)
        if s.like not in bases:
            failed.add(r.name)
            return
        data, parent_model, _ = bases[s.like]
        data, origin = _copy(data), f"like {s.like}"
        model = s.model if "model" in s.model_fields_set else parent_model
    elif s.scenario is not None:
        loaded = _read_scenario(r.name, s.scenario, folder, problems)
        if loaded is None:
            failed.add(r.name)
            return
        scenario, written = loaded
        data, origin = scenario.to_dict(), f"file {s.scenario}"
        data["general"] = {k: v for k, v in data["general"].items() if k in written}  # what the file says
    else:
        data, origin = default().to_dict(), "inline"
        data["general"] = {}
    for section, table in r.overrides.items():
        data[section].update(table)
    data["sources"] = {**data.get("sources", {}), **r.sources}
    bases[r.name] = (data, model, origin)


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}


def guarded_path(folder: Path | None, text: str) -> Path:
    """The real path of a file reference, or ValueError saying why it is refused: resolved against
    ``folder`` and inside it after following every symlink."""
    if folder is None:
        raise ValueError("a portfolio given as text has no folder to read files from: write the cohort's "
                         "scenario inline ([cohorts.<name>.heavy] …) or load the portfolio from a file")
    if "\x00" in text:
        raise ValueError("not a file name")
    root = folder.resolve()
    p = Path(text)
    real = (p if p.is_absolute() else root / p).resolve()
    if not real.is_relative_to(root):
        raise ValueError(f"outside the portfolio's folder {str(root)!r}: a cohort's scenario file must be in "
                         "that folder or below it (after following symlinks)")
    return real


def _read_scenario(name: str, ref: str, folder: Path | None, problems: list[Problem]) -> Any:
    """The scenario of a cohort's file and the general inputs it writes, or None (problems added)."""
    where = f"cohorts.{name}.scenario"
    try:
        real = guarded_path(folder, ref)
        text = read_input(real)
        scenario = parse_toml(text, ref)
        general = parse_toml_text(text, ref).get("general", {})
        return scenario, set(general) if isinstance(general, dict) else set()
    except ValueError as err:
        if isinstance(err, ScenarioError):
            problems += [Problem(where, ref, f"{p}") for p in err.problems]
        else:
            problems.append(Problem(where, ref, str(err)))
    return None


def _scenario(r: RawCohort, data: dict[str, Any], general: General, problems: list[Problem],
              notes: list[str]) -> Any:
    """The cohort's scenario with the company's general section, or None (problems added)."""
    own = data.get("general") or {}
    company = general.model_dump()
    changed = [k for k, v in own.items() if k in company and company[k] != v]
    if changed:
        notes.append(f"cohorts.{r.name}: its scenario's general inputs ({', '.join(changed)}) are replaced by the "
                     "portfolio's [general]")
    data = {**data, "general": company, "name": data.get("name") or r.name}
    data["sources"] = {k: v for k, v in data.get("sources", {}).items() if not k.startswith("general.")}
    try:
        return validate(data, strict=True)
    except ScenarioError as err:
        problems += [Problem(f"cohorts.{r.name}.{p.field}", p.value, p.message) for p in err.problems]
    return None


def _check_inert(r: RawCohort, model: str, problems: list[Problem]) -> None:
    """Overrides that would have no effect on this cohort's business model are refused."""
    where = f"cohorts.{r.name}"
    if model == "heavy" and r.overrides.get("light"):
        problems.append(Problem(f"{where}.light", MISSING, "a heavy (owned-server) cohort has no light-asset book: "
                                "these inputs would have no effect; make a light cohort for sub-leased capacity"))
    if model == "light":
        for key in r.overrides.get("heavy", {}):
            if f"heavy.{key}" not in LIGHT_READS_HEAVY:
                problems.append(Problem(f"{where}.heavy.{key}", MISSING, "no effect on a light (sub-leased) book; "
                                        f"it reads only {', '.join(LIGHT_READS_HEAVY)}"))


# --------------------------------------------------------------------------- timing
def _timing(r: RawCohort, model: str, scenario: Any, origin: str, pred: RawCohort | None, horizon: int,
            problems: list[Problem]) -> Cohort | None:
    s, where = r.spec, f"cohorts.{r.name}"
    before = len(problems)
    purchase = 0 if s.purchase_month is None else s.purchase_month
    if pred is not None:
        derived = pred.spec.retire_month
        if s.purchase_month is not None and s.purchase_month != derived:
            problems.append(Problem(f"{where}.purchase_month", s.purchase_month, f"set by cohorts.{pred.name}."
                                    f"retire_month = {derived} (this cohort is its successor); leave it out"))
        purchase = derived if derived is not None else purchase
    if purchase >= horizon:
        why = f" (the retire_month of cohorts.{pred.name})" if pred is not None else ""
        problems.append(Problem(f"{where}.purchase_month", purchase, f"past the company horizon{why}; allowed: "
                                f"0 ≤ value < {horizon} [months] (general.horizon_months = {horizon})"))
    if s.retire_month is not None and not purchase < s.retire_month <= horizon:
        problems.append(Problem(f"{where}.retire_month", s.retire_month, f"allowed: {purchase} < value ≤ {horizon} "
                                "[months] (after the purchase month, by the company horizon)"))
    if model == "light" and (s.slip_months > 0 or s.late_share > 0):
        given = "slip_months" if s.slip_months > 0 else "late_share"
        problems.append(Problem(f"{where}.{given}", getattr(s, given), "a light (sub-leased) book has no delivery; "
                                "shift its purchase_month instead"))
    elif (s.slip_months > 0) != (s.late_share > 0):
        given, other = ("slip_months", "late_share") if s.slip_months > 0 else ("late_share", "slip_months")
        problems.append(Problem(f"{where}.{given}", getattr(s, given), f"no effect without {other} > 0: slippage "
                                "is a share of the servers delivered some months late"))
    if s.resale_share_of_book is not None and (s.retire_month is None or model == "light"):
        why = "a light book owns nothing to resell" if model == "light" else "set retire_month; the value at " \
            "the horizon is heavy.terminal_value_fraction"
        problems.append(Problem(f"{where}.resale_share_of_book", s.resale_share_of_book, f"no effect: {why}"))
    if len(problems) > before or scenario is None:
        return None
    return Cohort(r.name, s.label or r.name, model, scenario, purchase, s.slip_months, s.late_share,  # type: ignore[arg-type]
                  s.retire_month, s.resale_share_of_book, s.successor, origin)


def _note_late_delivery(c: Cohort, notes: list[str]) -> None:
    if c.model != "heavy":
        return
    first = c.purchase_month + c.scenario.heavy.lead_time_months
    if first >= c.end_month:
        notes.append(f"cohorts.{c.name}: delivered in month {first}, after its timeline ends (month "
                     f"{c.end_month}): it earns nothing")
    elif c.slip_months and first + c.slip_months >= c.end_month:
        notes.append(f"cohorts.{c.name}: its late share arrives in month {first + c.slip_months}, after its "
                     f"timeline ends (month {c.end_month}): that share earns nothing")
