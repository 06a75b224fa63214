"""Codebooks: versioned YAML files of codes, their definitions and tagging patterns.

``schema`` holds the single definition (pydantic, exported as JSON Schema), ``validate`` the
checks with line and column, ``diff`` the comparison of two versions in words, ``migrate``
how codings follow a new version, ``retag`` which suggestions a change can affect and
``overview`` what the app's codebook page shows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .schema import Code, Codebook, Labels, PatternSpec, as_spec, json_schema, version_key
from .validate import Problem, ValidationReport, validate_file, validate_text

DEFAULT_CODEBOOK = Path("codebooks/peer_support.yaml")

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "Labels",
    "PatternSpec",
    "Problem",
    "ValidationReport",
    "as_spec",
    "content_hash",
    "json_schema",
    "load_codebook",
    "parse_codebook",
    "validate_file",
    "validate_text",
    "version_key",
    "DEFAULT_CODEBOOK",
]


class CodebookError(ValueError):
    """A codebook file (or version) that cannot be used; the message says where and why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _raise_for(report: ValidationReport) -> Codebook:
    if report.ok:
        return report.codebook
    lines = [str(p) for p in report.errors]
    raise CodebookError("\n".join(lines) + f"\n{report.summary()}; `qualcode codebook validate` explains each",
                        report.errors)


def parse_codebook(text: str, source: str = "<codebook>", *, check_patterns: bool = False) -> Codebook:
    """The codebook in ``text``; raises CodebookError listing every problem with line and column."""
    return _raise_for(validate_text(text, source, check_patterns=check_patterns))


def load_codebook(path: str | Path | None = None, *, check_patterns: bool = True) -> tuple[Codebook, str]:
    """Read and check a codebook file (patterns compiled too); returns the codebook and its YAML text."""
    path = Path(path) if path else DEFAULT_CODEBOOK
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read codebook: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text; save the codebook as UTF-8") from exc
    return _raise_for(validate_text(text, str(path), check_patterns=check_patterns)), text
