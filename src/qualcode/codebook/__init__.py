"""Codebooks: versioned YAML files of codes, their definitions and tagging patterns."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import Code, Codebook, Labels, PatternSpec, as_spec, json_schema

DEFAULT_CODEBOOK = Path("codebooks/peer_support.yaml")

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "Labels",
    "PatternSpec",
    "as_spec",
    "content_hash",
    "json_schema",
    "load_codebook",
    "parse_codebook",
    "DEFAULT_CODEBOOK",
]


class CodebookError(ValueError):
    """A codebook file that cannot be used; the message says where and why."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: expected a mapping with 'name', 'version' and 'codes'")
    try:
        book = Codebook.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CodebookError(f"{source}: {problems}") from exc
    ids = book.ids()
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CodebookError(f"{source}: duplicate code ids: {', '.join(dupes)}")
    unknown = sorted({c.parent for c in book.codes if c.parent and c.parent not in ids})
    if unknown:
        raise CodebookError(f"{source}: unknown parent codes: {', '.join(unknown)}")
    return book


def load_codebook(path: str | Path | None = None) -> tuple[Codebook, str]:
    """Read and check a codebook file; returns the codebook and its YAML text."""
    path = Path(path) if path else DEFAULT_CODEBOOK
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read codebook: {exc.strerror}") from exc
    return parse_codebook(text, str(path)), text
