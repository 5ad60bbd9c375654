"""The input layer: the field-declaration toolkit, the scenario schema, guarded file reading and
atomic writing, TOML load/save, and the GPU catalogue. Nothing here imports the engine.

``from finmodel import schema``; ``schema.load(path)``, ``schema.field_spec("heavy.occupancy")``.

A new schema (a portfolio file, a contract table) declares its fields with :func:`fld` on a
pydantic model and gets, from :func:`field_specs`, :func:`issues` and :mod:`~finmodel.schema.tomlio`:
bounds, the allowed range in words (English and 中文), one-line errors naming field, value and range,
did-you-mean on unknown keys, and a TOML round trip with ``{value, source}`` tables.
"""

from finmodel.schema.errors import (
    MISSING,
    Issue,
    Problem,
    ScenarioError,
    UnknownFieldError,
    clip,
    did_you_mean,
    issues,
    one_line,
    show_value,
)
from finmodel.schema.fields import FieldSpec, Finite, field_specs, find_spec, fld
from finmodel.schema.files import (
    MAX_FILE_BYTES,
    AtomicTableWriter,
    UnreadableFile,
    atomic_write_bytes,
    new_file_mode,
    read_file_bytes,
    read_text_file,
)
from finmodel.schema.months import Month
from finmodel.schema.scenario import (
    FIELDS,
    GPU_KEYS,
    NUMERIC_FIELDS,
    SECTIONS,
    General,
    Heavy,
    Light,
    Scenario,
    choice_code,
    default,
    field_spec,
    load,
    parse_toml,
    save,
    to_params,
    to_toml,
    validate,
)
from finmodel.schema.tomlio import (
    MAX_TOML_NESTING,
    data_depth,
    dump_toml,
    parse_toml_text,
    read_input,
    read_input_bytes,
    source_table,
    split_sources,
    toml_nesting,
)

__all__ = [
    "MISSING", "Issue", "Problem", "ScenarioError", "UnknownFieldError", "clip", "did_you_mean", "issues", "one_line",
    "show_value",
    "FieldSpec", "Finite", "field_specs", "find_spec", "fld", "Month",
    "MAX_FILE_BYTES", "AtomicTableWriter", "UnreadableFile", "atomic_write_bytes", "new_file_mode",
    "read_file_bytes", "read_text_file", "FIELDS", "GPU_KEYS", "NUMERIC_FIELDS", "SECTIONS", "General", "Heavy",
    "Light", "Scenario",
    "choice_code", "default", "field_spec", "load", "parse_toml", "save", "to_params", "to_toml", "validate",
    "MAX_TOML_NESTING", "data_depth", "dump_toml", "parse_toml_text", "read_input", "read_input_bytes", "source_table",
    "split_sources", "toml_nesting",
]
