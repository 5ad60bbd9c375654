"""Reading input files with a size guard, and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1_000_000


class UnreadableFile(Exception):
    """A text file that cannot be used: missing, too large, or not UTF-8. ``value`` is the
    offending size in bytes, or None."""

    def __init__(self, value: Any, message: str):
        super().__init__(message)
        self.value, self.message = value, message


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a small input file (scenario or workload TOML), checked before parsing."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise UnreadableFile(size, f"too large; allowed: ≤ {max_bytes:,} bytes")
        return p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(None, "not UTF-8 text (is it a TOML file?)") from None
    except OSError as err:
        raise UnreadableFile(None, f"cannot read: {err.strerror}") from None



def new_file_mode() -> int:
    """Permission bits an ordinary new file gets under the current umask (0o644 with umask 022).

    Temporary files from ``mkstemp`` are private (0o600); atomic writers give the final file
    this mode so outputs are readable like any other file the user creates."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it.

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
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
