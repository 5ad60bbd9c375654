"""Reading input files through one guard, and writing outputs atomically (optionally exclusively).

Every input file a user names — a scenario, a workbook, a workload file, a ``--dists`` file — is
read by :func:`read_file_bytes`: regular files only (a device such as ``/dev/zero``, a FIFO or a
directory is refused before a byte is read), the size checked before reading and while reading (at
most ``max_bytes + 1`` bytes are ever read, so a file that grows or lies about its size cannot
exhaust memory), and one wording for every refusal.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1_000_000
_READ_BLOCK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class UnreadableFile(Exception):
    """An input file that cannot be used: missing, not a regular file, too large, or not UTF-8.
    ``value`` is the offending size in bytes, or None; ``message`` says why in one line (without
    the file name, which the caller puts in front)."""

    def __init__(self, value: Any, message: str):
        super().__init__(message)
        self.value, self.message = value, message


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character "
             "device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def too_large(size: int | None, max_bytes: int) -> str:
    """The one wording of an input over its size limit."""
    seen = f"{size:,} bytes" if size is not None else f"more than {max_bytes:,} bytes"
    return f"too large ({seen}); allowed: ≤ {max_bytes:,} bytes"


def read_file_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an input file of at most ``max_bytes``, or :class:`UnreadableFile`.

    The file is opened without blocking (a FIFO with no writer does not hang), checked to be a
    regular file, its size checked, and read in blocks up to ``max_bytes + 1`` bytes."""
    try:
        fd = os.open(os.fspath(path), _OPEN_FLAGS)
    except OSError as err:
        raise UnreadableFile(None, f"cannot read: {err.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableFile(None, f"not a regular file ({_kind(st.st_mode)}); give the path of a file")
        if st.st_size > max_bytes:
            raise UnreadableFile(st.st_size, too_large(st.st_size, max_bytes))
        parts: list[bytes] = []
        total = 0
        while total <= max_bytes:
            block = os.read(fd, min(_READ_BLOCK, max_bytes + 1 - total))
            if not block:
                break
            parts.append(block)
            total += len(block)
        if total > max_bytes:  # grew while read, or a size the file system does not report
            raise UnreadableFile(None, too_large(None, max_bytes))
        return b"".join(parts)
    except OSError as err:
        raise UnreadableFile(None, f"cannot read: {err.strerror}") from None
    finally:
        os.close(fd)


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a small input file (scenario, workload or distribution TOML), read by
    :func:`read_file_bytes`."""
    try:
        return read_file_bytes(path, max_bytes).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(None, "not UTF-8 text (is it a TOML file?)") from None


def new_file_mode() -> int:
    """Permission bits an ordinary new file gets under the current umask (0o644 with umask 022).

    Temporary files from ``mkstemp`` are private (0o600); atomic writers give the final file
    this mode so outputs are readable like any other file the user creates."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, exclusive: bool = False) -> None:
    """Write a file so that readers see the old or the new content, never half of it.

    The content is written and synced to a temporary file in the same directory, then renamed over
    ``path``. With ``exclusive=True`` the file is created only if no file has that name, in one
    atomic step: the temporary file is hard-linked to the name (``os.link`` fails if it exists), so
    of two writers of one new name exactly one succeeds and the other gets ``FileExistsError``. On a
    file system without hard links the name is created with ``O_CREAT | O_EXCL`` and then written.

    The directory must exist: a mistyped path is an error, not a new directory tree."""
    p = Path(path)
    if not p.parent.is_dir():
        raise FileNotFoundError(f"cannot write {p}: directory {str(p.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, new_file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            _link_exclusive(tmp, p, data)
        else:
            os.replace(tmp, p)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _link_exclusive(tmp: str, target: Path, data: bytes) -> None:
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares): exclusive create instead
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_file_mode())
        with os.fdopen(out, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


class AtomicTableWriter:
    """Write a table in chunks to ``.parquet`` or ``.csv`` so that the target appears only when
    complete: chunks go to a temporary file in the same directory, renamed over the target by
    :meth:`commit`; :meth:`abort` (or leaving the ``with`` block by an exception or Ctrl-C) deletes
    it. CSV is UTF-8 with a BOM (Excel shows Chinese labels) and up to 10 significant digits."""

    FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.format = self.FORMATS.get(self.path.suffix.lower())
        if self.format is None:
            raise ValueError(f"cannot write {self.path.name!r}: use a .parquet or .csv file name")
        parent = self.path.parent
        if not parent.is_dir():
            raise ValueError(f"cannot write {self.path}: directory {str(parent)!r} does not exist")
        if self.path.is_dir():
            raise ValueError(f"cannot write {self.path}: it is a directory")
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        os.chmod(tmp, new_file_mode())  # mkstemp files are private; outputs are not
        self.tmp = Path(tmp)
        self._pq: Any = None
        self._csv: Any = None
        self._done = False

    def write(self, df: Any) -> None:
        """Append a chunk (a pandas DataFrame; the first chunk fixes the columns)."""
        if self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, table.schema)
            self._pq.write_table(table)
        else:
            if self._csv is None:
                self._csv = open(self.tmp, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                df.to_csv(self._csv, index=False, float_format="%.10g")
            else:
                df.to_csv(self._csv, index=False, header=False, float_format="%.10g")

    def _close(self) -> None:
        if self._pq is not None:
            self._pq.close()
            self._pq = None
        if self._csv is not None:
            self._csv.flush()
            os.fsync(self._csv.fileno())
            self._csv.close()
            self._csv = None

    def commit(self) -> None:
        if self._pq is None and self._csv is None:
            import pandas as pd

            self.write(pd.DataFrame())  # an empty table is still a valid file
        self._close()
        os.replace(self.tmp, self.path)
        self._done = True

    def abort(self) -> None:
        try:
            self._close()
        finally:
            self.tmp.unlink(missing_ok=True)
            self._done = True

    def __enter__(self) -> AtomicTableWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._done:
            return
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()

    def __del__(self) -> None:  # a writer dropped without commit leaves no temporary file behind
        if not getattr(self, "_done", True):
            try:
                self.abort()
            except Exception:
                pass
