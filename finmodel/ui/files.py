"""Scenario files for the dashboard: shipped presets, saved user scenarios, uploads.

- Presets are the ``*.toml`` files of the assumptions folder (``assumptions/`` in the repository,
  or ``$FINMODEL_ASSUMPTIONS_DIR``); the app never writes there.
- User scenarios live in its ``user/`` sub-folder (git-ignored). Names are 1-64 letters, digits,
  ``_``, ``-`` or CJK characters: no separators, no dots, so a name can never leave the folder; the
  resolved path is checked anyway, and files are written atomically. Saving a new name is one
  create-exclusive step: of two sessions saving the same new name at once, exactly one wins and the
  other is told the name is taken.
- Uploads (TOML or a finmodel workbook) are size-limited, TOML nesting is bounded before it is
  parsed, and the content is validated through the schema.

A scenario is addressed by an id that is also its URL value: ``seed_fs2024`` for a preset,
``user/my_case`` for a saved one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from finmodel import schema
from finmodel.schema import Scenario, ScenarioError
from finmodel.schema.files import new_file_mode
from finmodel.ui import safe

_log = logging.getLogger(__name__)

ENV_DIR = "FINMODEL_ASSUMPTIONS_DIR"
DEFAULT_ID = "seed_fs2024"
USER_PREFIX = "user/"
NAME_RE = re.compile(r"^[A-Za-z0-9_\-\u3400-\u4dbf\u4e00-\u9fff]{1,64}$")
MAX_TOML_BYTES = schema.MAX_FILE_BYTES  # 1 MB, as for scenario files on disk
MAX_XLSX_BYTES = 2 * 2**20  # = server.maxUploadSize in .streamlit/config.toml; a 360-month workbook fits
#: Deepest nesting of arrays and inline tables in an uploaded TOML. A scenario needs 1 (a value
#: table ``{ value = …, source = … }``); ``tomllib`` recurses once per level and fails near 300.
MAX_TOML_NESTING = 32


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
    named = schema.validate({**scenario.to_dict(), "name": name}, strict=False)
    if overwrite:
        schema.save(named, path)
    else:
        try:
            create_exclusive(path, schema.to_toml(named).encode("utf-8"))
        except FileExistsError:
            raise FileProblem("err_name_exists", name=name) from None
    return Ref(USER_PREFIX + name, "user", path)


def create_exclusive(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data`` only if no file has that name, in one atomic step.

    The content is written and synced to a temporary file in the same folder, then hard-linked to
    the name (``os.link`` fails if the name exists): a reader never sees half a file, and of two
    writers of one new name exactly one succeeds. On a file system without hard links the name is
    created with ``O_CREAT | O_EXCL`` and then written. Raises ``FileExistsError`` if the name exists.
    (A general ``exclusive=True`` for :func:`finmodel.schema.files.atomic_write_bytes` would hold this.)"""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, new_file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network shares): exclusive create instead
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_file_mode())
            with os.fdopen(out, "wb") as f:
                f.write(data)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def toml_nesting(text: str, limit: int = MAX_TOML_NESTING) -> int:
    """How deeply arrays and inline tables nest in TOML ``text`` (``[`` and ``{`` outside strings
    and comments), counted up to the first level beyond ``limit``: a linear scan that lets a
    too-deep file be refused before ``tomllib`` recurses into it. An unterminated string ends the
    scan (the parser refuses that file anyway)."""
    depth = deepest = i = 0
    while deepest <= limit and (m := _TOML_NEXT.search(text, i)):
        tok, i = m.group(), m.end()
        if tok in _TOML_SKIP:  # a string or a comment: jump past it
            end = _TOML_SKIP[tok].match(text, i)
            i = end.end() if end else len(text)
        elif tok in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


#: The tokens the nesting scan stops at, and how to skip each string or comment from just after
#: its opening (possessive quantifiers: no backtracking, so the scan stays linear).
_TOML_NEXT = re.compile(r'"{3}|\'{3}|["\'#\[\]{}]')
_TOML_SKIP = {
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*+"{3,5}', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*+'{3,5}"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*+"?'),
    "'": re.compile(r"[^'\n]*+'?"),
    "#": re.compile(r"[^\n]*+"),
}


def parse_upload(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario: a TOML file or a workbook written by ``finmodel.workbook``.

    Raises :class:`FileProblem` (size, type, encoding, nesting, or a reader that failed otherwise)
    or ``ScenarioError`` / ``workbook.WorkbookError`` (content), each with a message naming the
    reason; nothing else escapes."""
    size = len(data)
    ext = Path(filename or "").suffix.lower()
    limit = MAX_XLSX_BYTES if ext in (".xlsx", ".xlsm") else MAX_TOML_BYTES
    if size > limit:
        raise FileProblem("err_too_large", size=size, limit=limit)
    if ext not in (".toml", ".xlsx", ".xlsm"):
        raise FileProblem("err_type", ext=ext or "(none)")
    try:
        return _read_toml(data, Path(filename).name) if ext == ".toml" else _read_xlsx(data)
    except (FileProblem, ScenarioError):
        raise
    except RecursionError:  # nesting the scan did not see (it skips what looks like strings)
        raise FileProblem("err_too_deep", limit=MAX_TOML_NESTING) from None
    except Exception as err:  # noqa: BLE001 - a reader bug on a hostile file: one line, never a traceback
        _log.exception("upload %r: the reader raised", filename)
        raise FileProblem("err_unreadable", err=f"{type(err).__name__}: {safe.one_line(err)[:MAX_QUOTE]}") from None


#: Longest reader error quoted in :class:`FileProblem` ``err_unreadable`` [characters].
MAX_QUOTE = 200


def _read_toml(data: bytes, origin: str) -> Scenario:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("err_not_utf8") from None
    if toml_nesting(text) > MAX_TOML_NESTING:
        raise FileProblem("err_too_deep", limit=MAX_TOML_NESTING)
    return schema.parse_toml(text, origin=origin)


def _read_xlsx(data: bytes) -> Scenario:
    if not data.startswith(b"PK"):
        raise FileProblem("err_not_xlsx")
    from finmodel import workbook  # openpyxl is imported only when a workbook is uploaded

    return workbook.read_workbook(data)


__all__ = ["MAX_TOML_NESTING", "FileProblem", "Ref", "ScenarioError", "assumptions_dir", "check_name",
           "create_exclusive", "find", "list_refs", "load", "parse_upload", "save_user", "toml_nesting", "user_dir"]
