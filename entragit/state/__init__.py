"""tenant-state/: canonical YAML both ways, normalization, JSON Schemas and validation.

Everything here is driven by the resource declarations (``entragit.resources``); nothing branches on
a type key.
"""

from __future__ import annotations

from entragit.state.normalize import (
    WHOLE_TYPE,
    Exclusions,
    is_annotation,
    normalize,
    normalize_link,
    type_excluded,
)
from entragit.state.schema import build_schema, write_schemas
from entragit.state.tree import (
    WriteResult,
    file_name,
    object_path,
    read_tree,
    recover_tree,
    write_tree,
)
from entragit.state.validate import Problem, TreeReport, check_tree, validate_tree
from entragit.state.yamlio import (
    HAVE_LIBYAML,
    canonical_text,
    check_canonical,
    dump_yaml,
    load_yaml,
    parse_yaml,
    schema_line,
)

__all__ = [
    "HAVE_LIBYAML",
    "WHOLE_TYPE",
    "Exclusions",
    "Problem",
    "TreeReport",
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
    "read_tree",
    "recover_tree",
    "schema_line",
    "type_excluded",
    "validate_tree",
    "write_schemas",
    "write_tree",
]
