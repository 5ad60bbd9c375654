"""The input layer: the field-declaration toolkit, the scenario schema, guarded file reading and
atomic writing, and the GPU catalogue. Nothing here imports the engine.

``from finmodel import schema``; ``schema.load(path)``, ``schema.field_spec("heavy.occupancy")``.
"""

from finmodel.schema.errors import MISSING, Problem, ScenarioError, UnknownFieldError
from finmodel.schema.fields import FieldSpec, Finite, describe_fields, fld
from finmodel.schema.files import (
    MAX_FILE_BYTES,
    AtomicTableWriter,
    UnreadableFile,
    atomic_write_bytes,
    new_file_mode,
    read_text_file,
)
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

__all__ = [
    "MISSING", "Problem", "ScenarioError", "UnknownFieldError", "FieldSpec", "Finite", "describe_fields", "fld",
    "MAX_FILE_BYTES", "AtomicTableWriter", "UnreadableFile", "atomic_write_bytes", "new_file_mode",
    "read_text_file", "FIELDS", "GPU_KEYS", "NUMERIC_FIELDS", "SECTIONS", "General", "Heavy", "Light", "Scenario",
    "choice_code", "default", "field_spec", "load", "parse_toml", "save", "to_params", "to_toml", "validate",
]
