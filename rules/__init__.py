"""miglint's rules: one module per rule; importing a module registers its rule."""

from . import (  # noqa: F401
    cycle,
    dependency_cycle,
    duplicate_branch_label,
    duplicate_revision,
    header_mismatch,
    illegal_revision_id,
    missing_parent,
    missing_revision_id,
    multiple_bases,
    multiple_heads,
    non_literal_revision,
    placeholder_revision_id,
    redundant_parent,
    syntax_error,
    unused_ignore,
)
