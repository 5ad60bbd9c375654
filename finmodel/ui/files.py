"""Scenario files for the dashboard: shipped presets, saved user scenarios, uploads.

- Presets are the ``*.toml`` files of the assumptions folder (``assumptions/`` in the repository,
  or ``$FINMODEL_ASSUMPTIONS_DIR``); the app never writes there.
- User scenarios live in its ``user/`` sub-folder (git-ignored). Names are 1-64 letters, digits,
  ``_``, ``-`` or CJK characters: no separators, no dots, so a name can never leave the folder; the
  resolved path is checked anyway, and files are written atomically. Saving a new name is one
  create-exclusive step (:func:`finmodel.schema.atomic_write_bytes` with ``exclusive=True``): of
  two sessions saving the same new name at once, exactly one wins and the other is told the name
  is taken.
- Uploads (TOML or a finmodel workbook) pass one guard (:func:`guarded_upload`: size, type, UTF-8,
  TOML nesting bounded before it is parsed, one line for any reader failure), then the schema.

A scenario is addressed by an id that is also its URL value: ``seed_fs2024`` for a preset,
``user/my_case`` for a saved one. Portfolios (:mod:`finmodel.ui.portfolio_files`) use the same
folders' ``portfolio/`` sub-folders, ids and guard.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from finmodel import schema
from finmodel.schema import MAX_TOML_NESTING, Scenario, ScenarioError, atomic_write_bytes, toml_nesting
from finmodel.ui import safe

_log = logging.getLogger(__name__)

ENV_DIR = "FINMODEL_ASSUMPTIONS_DIR"
DEFAULT_ID = "seed_fs2024"
USER_PREFIX = "user/"
NAME_RE = re.compile(r"^[A-Za-z0-9_\-\u3400-\u4dbf\u4e00-\u9fff]{1,64}$")
MAX_TOML_BYTES = schema.MAX_FILE_BYTES  # 1 MB, as for scenario files on disk
MAX_XLSX_BYTES = 2 * 2**20  # = server.maxUploadSize in .streamlit/config.toml; a 360-month workbook fits
T = TypeVar("T")


class FileProblem(ValueError):
    """A user-facing problem with a scenario file; ``code`` is an :mod:`finmodel.ui.i18n` key."""

    def __init__(self, code: str, **kw: object):
        self.code = code
        self.kw = kw
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The problem in words (plain text: it may quote a user's file or scenario name)."""
        from finmodel.ui import i18n

        return i18n.t(self.code, lang, **self.kw)

    def markdown(self, lang: str) -> str:
        """The problem as markdown for ``st.error`` and friends: quoted names shown literally."""
        from finmodel.ui import i18n, safe

        return i18n.t(self.code, lang, **{k: safe.literal(v) if isinstance(v, str) else v for k, v in self.kw.items()})


@dataclass(frozen=True)
class Ref:
    """One file the app can load (a scenario, or a portfolio)."""

    id: str
    kind: str  # "preset" | "user"
    path: Path

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Folders:
    """Where one kind of file lives: shipped presets (read only) and the user's saved files."""

    presets: Path
    user: Path
    default_id: str

    def list_refs(self) -> list[Ref]:
        """Presets first (the default at the top), then saved user files, by name."""
        presets = sorted(self.presets.glob("*.toml"), key=lambda p: (p.stem != self.default_id, p.stem))
        refs = [Ref(p.stem, "preset", p) for p in presets if NAME_RE.match(p.stem)]
        if self.user.is_dir():
            refs += [Ref(USER_PREFIX + p.stem, "user", p) for p in sorted(self.user.glob("*.toml"))
                     if NAME_RE.match(p.stem)]
        return refs

    def find(self, ref_id: str) -> Ref | None:
        """The file behind an id, or None (unknown ids, bad names and path escapes all give None)."""
        kind, name = ("user", ref_id[len(USER_PREFIX):]) if ref_id.startswith(USER_PREFIX) else ("preset", ref_id)
        if not NAME_RE.match(name):
            return None
        folder = self.user if kind == "user" else self.presets
        path = (folder / f"{name}.toml").resolve()
        if path.parent != folder.resolve() or not path.is_file():
            return None
        return Ref(ref_id, kind, path)

    def new_user_path(self, name: str) -> tuple[str, Path]:
        """The checked name and the path a new user file of that name gets (the user folder is
        created); :class:`FileProblem` for a bad name, a preset's name or a path escape."""
        name = check_name(name)
        if (self.presets / f"{name}.toml").exists():
            raise FileProblem("err_name_preset", name=name)
        self.user.mkdir(parents=True, exist_ok=True)
        path = (self.user / f"{name}.toml").resolve()
        if path.parent != self.user.resolve():
            raise FileProblem("err_path")
        return name, path


def assumptions_dir() -> Path:
    """The folder of preset scenarios (``$FINMODEL_ASSUMPTIONS_DIR`` or the repository's)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "assumptions"


def user_dir() -> Path:
    """The folder of saved user scenarios, ``<assumptions>/user``."""
    return assumptions_dir() / "user"


def scenario_folders() -> Folders:
    return Folders(assumptions_dir(), user_dir(), DEFAULT_ID)


def list_refs() -> list[Ref]:
    """Preset scenarios first (default scenario at the top), then saved user scenarios, by name."""
    return scenario_folders().list_refs()


def find(ref_id: str) -> Ref | None:
    """The scenario file behind an id, or None (unknown ids, bad names and path escapes all give None)."""
    return scenario_folders().find(ref_id)


def load(ref_id: str) -> Scenario:
    """Load a scenario by id; :class:`FileProblem` if unknown, ``ScenarioError`` if invalid."""
    ref = find(ref_id)
    if ref is None:
        raise FileProblem("unknown_scenario", name=ref_id)
    return schema.load(ref.path)


def check_name(name: str) -> str:
    """A safe file name, or :class:`FileProblem` saying why not."""
    name = (name or "").strip()
    if not name:
        raise FileProblem("err_name_empty")
    if not NAME_RE.match(name):
        raise FileProblem("err_name_chars")
    return name


def save_user(scenario: Scenario, name: str, *, overwrite: bool = False) -> Ref:
    """Save ``scenario`` as ``user/<name>.toml`` (atomic). Never touches a preset; refuses a name
    that equals a preset's, and an existing user file unless ``overwrite``."""
    name, path = scenario_folders().new_user_path(name)
    named = schema.validate({**scenario.to_dict(), "name": name}, strict=False)
    if overwrite:
        schema.save(named, path)
    else:
        try:
            atomic_write_bytes(path, schema.to_toml(named).encode("utf-8"), exclusive=True)
        except FileExistsError:
            raise FileProblem("err_name_exists", name=name) from None
    return Ref(USER_PREFIX + name, "user", path)


# --------------------------------------------------------------------------- uploads
#: Longest reader error quoted in :class:`FileProblem` ``err_unreadable`` [characters].
MAX_QUOTE = 200


def guarded_upload(filename: str, data: bytes, readers: Mapping[str, Callable[[bytes, str], T]]) -> T:
    """Read an uploaded file with ``readers[ext](data, file name)``, through one guard: the size
    (:data:`MAX_XLSX_BYTES` for workbooks, :data:`MAX_TOML_BYTES` otherwise) and the type checked
    first; :class:`FileProblem` and ``ScenarioError`` (content) pass through; any other failure of
    a reader on a hostile file becomes one ``err_unreadable`` line, never a traceback."""
    size = len(data)
    ext = Path(filename or "").suffix.lower()
    limit = MAX_XLSX_BYTES if ext in (".xlsx", ".xlsm") else MAX_TOML_BYTES
    if size > limit:
        raise FileProblem("err_too_large", size=size, limit=limit)
    if ext not in readers:
        raise FileProblem("err_type", ext=ext or "(none)", allowed=" / ".join(readers))
    try:
        return readers[ext](data, Path(filename).name)
    except (FileProblem, ScenarioError):
        raise
    except RecursionError:  # nesting the scan did not see (it skips what looks like strings)
        raise FileProblem("err_too_deep", limit=MAX_TOML_NESTING) from None
    except Exception as err:  # noqa: BLE001 - a reader bug on a hostile file: one line, never a traceback
        _log.exception("upload %r: the reader raised", filename)
        raise FileProblem("err_unreadable", err=f"{type(err).__name__}: {safe.one_line(err)[:MAX_QUOTE]}") from None


def upload_text(data: bytes) -> str:
    """The text of an uploaded TOML file: UTF-8, nested at most ``MAX_TOML_NESTING`` levels (the
    schema toolkit's scan, :func:`finmodel.schema.toml_nesting`, before anything parses it)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("err_not_utf8") from None
    if toml_nesting(text) > MAX_TOML_NESTING:
        raise FileProblem("err_too_deep", limit=MAX_TOML_NESTING)
    return text


def parse_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario: a TOML file or a workbook written by ``finmodel.workbook``.

    Raises :class:`FileProblem` (size, type, encoding, nesting, or a reader that failed otherwise)
    or ``ScenarioError`` / ``workbook.WorkbookError`` (content), each with a message naming the
    reason; nothing else escapes."""
    return guarded_upload(filename, data, {".toml": _read_toml, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx})


def _read_toml(data: bytes, origin: str) -> Scenario:
    return schema.parse_toml(upload_text(data), origin=origin)


def _read_xlsx(data: bytes, origin: str) -> Scenario:
    if not data.startswith(b"PK"):
        raise FileProblem("err_not_xlsx")
    from finmodel import workbook  # openpyxl is imported only when a workbook is uploaded

    return workbook.read_workbook(data)


__all__ = ["FileProblem", "Folders", "Ref", "ScenarioError", "assumptions_dir", "check_name", "find", "guarded_upload",
           "list_refs", "load", "parse_upload", "save_user", "scenario_folders", "upload_text", "user_dir"]
