"""Scenario files for the dashboard: shipped presets, saved user scenarios, uploads.

- Presets are the ``*.toml`` files of the assumptions folder (``assumptions/`` in the repository,
  or ``$FINMODEL_ASSUMPTIONS_DIR``); the app never writes there.
- User scenarios live in its ``user/`` sub-folder (git-ignored). Names are 1-64 letters, digits,
  ``_``, ``-`` or CJK characters: no separators, no dots, so a name can never leave the folder; the
  resolved path is checked anyway, and files are written atomically.
- Uploads (TOML or a finmodel workbook) are size-limited and validated through the schema.

A scenario is addressed by an id that is also its URL value: ``seed_fs2024`` for a preset,
``user/my_case`` for a saved one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from finmodel import schema
from finmodel.schema import Scenario, ScenarioError

ENV_DIR = "FINMODEL_ASSUMPTIONS_DIR"
DEFAULT_ID = "seed_fs2024"
USER_PREFIX = "user/"
NAME_RE = re.compile(r"^[A-Za-z0-9_\-\u3400-\u4dbf\u4e00-\u9fff]{1,64}$")
MAX_TOML_BYTES = schema.MAX_FILE_BYTES  # 1 MB, as for scenario files on disk
MAX_XLSX_BYTES = 2 * 2**20  # = server.maxUploadSize in .streamlit/config.toml; a 360-month workbook fits


class FileProblem(ValueError):
    """A user-facing problem with a scenario file; ``code`` is an :mod:`finmodel.ui.i18n` key."""

    def __init__(self, code: str, **kw: object):
        self.code = code
        self.kw = kw
        super().__init__(f"{code}: {kw}" if kw else code)

    def message(self, lang: str) -> str:
        from finmodel.ui import i18n

        return i18n.t(self.code, lang, **self.kw)


@dataclass(frozen=True)
class Ref:
    """One scenario file the app can load."""

    id: str
    kind: str  # "preset" | "user"
    path: Path

    @property
    def stem(self) -> str:
        return self.path.stem


def assumptions_dir() -> Path:
    """The folder of preset scenarios (``$FINMODEL_ASSUMPTIONS_DIR`` or the repository's)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "assumptions"


def user_dir() -> Path:
    """The folder of saved user scenarios, ``<assumptions>/user``."""
    return assumptions_dir() / "user"


def list_refs() -> list[Ref]:
    """Presets first (default scenario at the top), then saved user scenarios, by name."""
    base = assumptions_dir()
    presets = sorted(base.glob("*.toml"), key=lambda p: (p.stem != DEFAULT_ID, p.stem))
    refs = [Ref(p.stem, "preset", p) for p in presets if NAME_RE.match(p.stem)]
    udir = user_dir()
    if udir.is_dir():
        refs += [Ref(USER_PREFIX + p.stem, "user", p) for p in sorted(udir.glob("*.toml")) if NAME_RE.match(p.stem)]
    return refs


def find(ref_id: str) -> Ref | None:
    """The file behind an id, or None (unknown ids, bad names and path escapes all give None)."""
    kind, name = ("user", ref_id[len(USER_PREFIX):]) if ref_id.startswith(USER_PREFIX) else ("preset", ref_id)
    if not NAME_RE.match(name):
        return None
    folder = user_dir() if kind == "user" else assumptions_dir()
    path = (folder / f"{name}.toml").resolve()
    if path.parent != folder.resolve() or not path.is_file():
        return None
    return Ref(ref_id, kind, path)


def load(ref_id: str) -> Scenario:
    """Load a scenario by id; :class:`FileProblem` if unknown, ``ScenarioError`` if invalid."""
    ref = find(ref_id)
    if ref is None:
        raise FileProblem("unknown_scenario", name=ref_id)
    return schema.load(ref.path)


def check_name(name: str) -> str:
    """A safe scenario name, or :class:`FileProblem` saying why not."""
    name = (name or "").strip()
    if not name:
        raise FileProblem("err_name_empty")
    if not NAME_RE.match(name):
        raise FileProblem("err_name_chars")
    return name


def save_user(scenario: Scenario, name: str, *, overwrite: bool = False) -> Ref:
    """Save ``scenario`` as ``user/<name>.toml`` (atomic). Never touches a preset; refuses a name
    that equals a preset's, and an existing user file unless ``overwrite``."""
    name = check_name(name)
    if (assumptions_dir() / f"{name}.toml").exists():
        raise FileProblem("err_name_preset", name=name)
    folder = user_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / f"{name}.toml").resolve()
    if path.parent != folder.resolve():
        raise FileProblem("err_path")
    if path.exists() and not overwrite:
        raise FileProblem("err_name_exists", name=name)
    named = schema.validate({**scenario.to_dict(), "name": name}, strict=False)
    schema.save(named, path)
    return Ref(USER_PREFIX + name, "user", path)


def parse_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario: a TOML file or a workbook written by ``finmodel.workbook``.

    Raises :class:`FileProblem` (size, type, encoding) or ``ScenarioError`` / ``workbook.WorkbookError``
    (content), each with a message naming the reason."""
    size = len(data)
    ext = Path(filename or "").suffix.lower()
    limit = MAX_XLSX_BYTES if ext in (".xlsx", ".xlsm") else MAX_TOML_BYTES
    if size > limit:
        raise FileProblem("err_too_large", size=size, limit=limit)
    if ext == ".toml":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FileProblem("err_not_utf8") from None
        return schema.parse_toml(text, origin=Path(filename).name)
    if ext in (".xlsx", ".xlsm"):
        if not data.startswith(b"PK"):
            raise FileProblem("err_not_xlsx")
        from finmodel import workbook  # openpyxl is imported only when a workbook is uploaded

        return workbook.read_workbook(data)
    raise FileProblem("err_type", ext=ext or "(none)")


__all__ = ["FileProblem", "Ref", "ScenarioError", "assumptions_dir", "check_name", "find", "list_refs", "load",
           "parse_upload", "save_user", "user_dir"]
