"""tenant-state/: canonical YAML both ways, normalization, JSON Schemas and validation.

Everything here is driven by the resource declarations (``entragit.resources``); nothing branches on
a type key.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The function normalize lives in the submodule normalization: no submodule shares a public name here.
from entragit.state.normalization import (
    WHOLE_TYPE,
    Exclusions,
    is_annotation,
    normalize,
    normalize_link,
    type_excluded,
)
from entragit.state.tree import (
    WriteResult,
    file_name,
    object_path,
    read_tree,
    recover_tree,
    write_tree,
)
from entragit.state.yamlio import (
    HAVE_LIBYAML,
    canonical_text,
    check_canonical,
    dump_yaml,
    load_yaml,
    parse_yaml,
    read_plain_file,
    schema_line,
)

# Lazy: schema and validate (which imports schema), so that ``python -m entragit.state.schema`` finds
# its module not yet imported.
_LAZY = {
    "build_schema": "schema", "write_schemas": "schema",
    "Problem": "validate", "TreeReport": "validate", "check_tree": "validate", "validate_tree": "validate",
}

if TYPE_CHECKING:
    from entragit.state.schema import build_schema, write_schemas
    from entragit.state.validate import Problem, TreeReport, check_tree, validate_tree

__all__ = [
    "Exclusions",
    "HAVE_LIBYAML",
    "Problem",
    "TreeReport",
    "WHOLE_TYPE",
    "WriteResult",
    "build_schema",
    "canonical_text",
    "check_canonical",
    "check_tree",
    "dump_yaml",
    "file_name",
    "is_annotation",
    "load_yaml",
    "normalize",
    "normalize_link",
    "object_path",
    "parse_yaml",
    "read_plain_file",
    "read_tree",
    "recover_tree",
    "schema_line",
    "type_excluded",
    "validate_tree",
    "write_schemas",
    "write_tree",
]

def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
