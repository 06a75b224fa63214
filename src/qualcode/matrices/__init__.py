"""Theme matrices, co-occurrence and the framework matrix: reviewed codings -> tables.

Interviewer turns are context, not data, and never counted. Sub-codes roll up into their
parents. Groups of the controlled vocabulary (management, gig_worker, ohs) are shown even
when empty, as zeros.
"""

from .cooccurrence import CO_UNITS, Cooccurrence, build_cooccurrence, cooccurrence
from .framework import (
    ROW_KINDS,
    FrameworkCell,
    FrameworkMatrix,
    FrameworkRow,
    Quote,
    build_framework,
    cell_quotes,
    framework_matrix,
)
from .spec import (
    BY_PARTICIPANT,
    BY_TRANSCRIPT,
    MISSING,
    STATUSES,
    TOTAL,
    UNIT_NAMES,
    UNITS,
    VOCABULARY,
    Context,
    MatrixError,
    MatrixSpec,
    attribute_choices,
    code_labels,
    coders,
    code_tree,
    context,
    BIG_REFRESH,
    load_context,
    prepare_counts,
    rollup_mapping,
    stale_transcripts,
)
from .theme import ThemeMatrix, build_theme_matrix, theme_matrix, theme_matrix_full

__all__ = [
    "BY_PARTICIPANT", "BY_TRANSCRIPT", "CO_UNITS", "MISSING", "ROW_KINDS", "STATUSES", "TOTAL", "UNITS",
    "UNIT_NAMES", "VOCABULARY", "Context", "Cooccurrence", "FrameworkCell", "FrameworkMatrix", "FrameworkRow",
    "MatrixError", "MatrixSpec", "Quote", "ThemeMatrix", "build_cooccurrence", "build_framework",
    "attribute_choices", "build_theme_matrix", "cell_quotes", "code_labels", "coders", "code_tree", "context",
    "cooccurrence",
    "framework_matrix", "load_context", "rollup_mapping", "theme_matrix", "theme_matrix_full", "BIG_REFRESH",
    "prepare_counts", "stale_transcripts",
]
