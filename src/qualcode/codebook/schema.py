"""The codebook schema: one pydantic model, exported as JSON Schema, is the single definition.

A codebook is YAML kept under version control. Per code it holds what researchers read
(labels, definition, inclusion/exclusion criteria, examples) and what the tagger uses
(lemma patterns, exclusion patterns, examples, threshold), plus how the code relates to
earlier versions (``renamed_from``, ``merged_from``, ``split_from``).

Patterns (``patterns`` and ``exclude_patterns``) are written as:

- ``luottamus``: one lemma. Matches every inflected form (luottamuksella, luottamusta) and,
  unless ``compound: false``, compounds that contain it (luottamuspula).
- ``jakaa kokemus``: several lemmas in a row (jaan kokemuksia, jakaa kokemuksensa).
- ``{lemma: "pitää puoli", gap: 2}``: lemmas in order with up to ``gap`` other words between.
- ``{tokens: [{LEMMA: {IN: [auttaa, avustaa]}}, {POS: NOUN}]}``: a raw spaCy Matcher pattern.

`qualcode codebook schema` prints the JSON Schema; README.md ("Codebook format") explains it.
Checks that need the whole file (duplicate ids, parents, cycles, patterns that compile) live
in ``codebook.validate``, which also reports line and column.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

CODE_ID = r"^[a-z][a-z0-9_]*$"
COLOUR = r"^#[0-9a-fA-F]{6}$"
SEMVER = r"^\d+\.\d+(\.\d+)?$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"

# Union tags of a pattern; never valid field names, so error paths can drop them.
PATTERN_TEXT = "lemma-text"
PATTERN_MAPPING = "pattern-mapping"


def _date_text(value: Any) -> Any:
    """YAML reads an unquoted 2026-11-30 as a date; keep it as the ISO text either way."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return value


IsoDate = Annotated[str, BeforeValidator(_date_text), Field(pattern=ISO_DATE, description="YYYY-MM-DD.")]
CodeId = Annotated[str, Field(pattern=CODE_ID)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Labels(_Strict):
    """A text in Finnish and English; both are required."""

    fi: str = Field(min_length=1, description="Finnish.")
    en: str = Field(min_length=1, description="English.")


class PatternSpec(_Strict):
    """A tagging pattern written as a mapping: lemmas with options, or raw spaCy Matcher tokens."""

    lemma: str | None = Field(None, min_length=1,
                              description="One lemma, or several separated by spaces, in order.")
    gap: int = Field(0, ge=0, le=10, description="Other words allowed between the lemmas.")
    compound: bool = Field(True, description="A single lemma also matches compounds that contain it.")
    tokens: list[dict[str, Any]] | None = Field(None, description="A raw spaCy Matcher token pattern.")
    note: str | None = Field(None, description="Why the pattern is there; shown as the rule's name.")

    @model_validator(mode="after")
    def _one_kind(self) -> PatternSpec:
        if (self.lemma is None) == (self.tokens is None):
            raise ValueError("a pattern needs exactly one of 'lemma' or 'tokens'")
        return self


def _pattern_kind(value: Any) -> str:
    return PATTERN_MAPPING if isinstance(value, (dict, PatternSpec)) else PATTERN_TEXT


Pattern = Annotated[
    Annotated[str, Tag(PATTERN_TEXT)] | Annotated[PatternSpec, Tag(PATTERN_MAPPING)],
    Discriminator(_pattern_kind),
    Field(description="A lemma string (one or more lemmas in order) or a pattern mapping."),
]


def as_spec(pattern: str | PatternSpec) -> PatternSpec:
    return PatternSpec(lemma=pattern) if isinstance(pattern, str) else pattern


class Code(_Strict):
    """One category of the codebook."""

    id: str = Field(pattern=CODE_ID, description=(
        "Stable identifier (lower case, digits, _): codings, exports and REFI-QDA GUIDs are keyed on it; "
        "never reuse it for another meaning."))
    label: Labels = Field(description="Short name shown in the app and in tables.")
    definition: Labels = Field(description="What the code means.")
    inclusion: list[str] = Field(default_factory=list, description="When to apply the code.")
    exclusion: list[str] = Field(default_factory=list, description="When not to apply it (and what to use instead).")
    examples: list[str] = Field(default_factory=list, description="Finnish sentences that carry the code.")
    counter_examples: list[str] = Field(default_factory=list, description=(
        "Sentences that look like the code but do not carry it (luottokortti is not trust): "
        "the tagger's classifier learns from them what the code is not."))
    patterns: list[Pattern] = Field(default_factory=list, description="Lemma patterns that suggest the code.")
    exclude_patterns: list[Pattern] = Field(
        default_factory=list, description="Matches of these suppress this code's rule matches on the same words."
    )
    colour: str = Field("#777777", pattern=COLOUR, description="Display colour, #rrggbb.")
    parent: str | None = Field(None, pattern=CODE_ID, description="Id of the parent code (hierarchy).")
    status: Literal["active", "retired"] = Field(
        "active", description="retired: no longer suggested or offered, but kept so earlier codings stay readable.")
    threshold: float | None = Field(None, ge=0, le=1, description="Score needed to suggest this code.")
    renamed_from: list[CodeId] = Field(
        default_factory=list, description="Earlier ids of this same code; their codings move here.")
    merged_from: list[CodeId] = Field(
        default_factory=list, description="Ids of earlier codes folded into this one; their codings move here.")
    split_from: str | None = Field(None, pattern=CODE_ID, description=(
        "Id of an earlier code this one was split out of; codings of that code are flagged for review."))
    migration_note: str | None = Field(None, description="What changed and what reviewers should do.")

    @field_validator("patterns", "exclude_patterns")
    @classmethod
    def _no_empty(cls, value: list) -> list:
        for p in value:
            if isinstance(p, str) and not p.strip():
                raise ValueError("empty pattern")
        return value

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def declared_sources(self) -> list[str]:
        """Earlier ids this code takes codings or meaning from (renamed, merged or split)."""
        return [*self.renamed_from, *self.merged_from, *([self.split_from] if self.split_from else [])]


class ChangelogEntry(_Strict):
    version: str = Field(pattern=SEMVER)
    date: IsoDate
    changes: str | list[str] = Field(description="What changed, in words, one string or a list.")


class TaggingSettings(_Strict):
    threshold: float = Field(0.5, ge=0, le=1, description="Default score needed to suggest a code.")
    tag_interviewer: bool = Field(False, description="Tag interviewer turns too.")


class Codebook(_Strict):
    """A qualcode codebook (codebooks/*.yaml)."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, title="qualcode codebook",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    name: str = Field(pattern=CODE_ID, description="Codebook identifier; the same in every version.")
    title: Labels | None = Field(None, description="Human-readable title.")
    version: str = Field(pattern=SEMVER, description="Semantic version: bump it on every change.")
    date: IsoDate
    description: str | None = None
    changelog: list[ChangelogEntry] = Field(default_factory=list, description="Newest or oldest first.")
    tagging: TaggingSettings = Field(default_factory=TaggingSettings)
    codes: list[Code] = Field(description="The codes; a code's parent may come before or after it.")

    @property
    def active_codes(self) -> list[Code]:
        return [c for c in self.codes if c.status == "active"]

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def get(self, code_id: str) -> Code | None:
        try:
            return self.code(code_id)
        except KeyError:
            return None

    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def threshold(self, code_id: str) -> float:
        t = self.code(code_id).threshold
        return self.tagging.threshold if t is None else t

    def children(self, code_id: str | None) -> list[Code]:
        """Codes directly under ``code_id`` (None: the top-level codes), in file order."""
        return [c for c in self.codes if c.parent == code_id]

    def walk(self) -> Iterator[tuple[Code, int]]:
        """Every code with its depth, parents before children (the hierarchy as nested lists show it)."""
        seen: set[str] = set()

        def visit(code: Code, depth: int) -> Iterator[tuple[Code, int]]:
            if code.id in seen:
                return
            seen.add(code.id)
            yield code, depth
            for child in self.children(code.id):
                yield from visit(child, depth + 1)

        ids = set(self.ids())
        for code in self.codes:
            if code.parent is None or code.parent not in ids:
                yield from visit(code, 0)
        for code in self.codes:  # members of a parent cycle (only in unvalidated books)
            yield from visit(code, 0)

    def changelog_entry(self, version: str | None = None) -> ChangelogEntry | None:
        version = version or self.version
        for entry in self.changelog:
            if version_key(entry.version) == version_key(version):
                return entry
        return None


def json_schema() -> dict:
    """The JSON Schema of a codebook file (draft 2020-12), generated from the models above."""
    return Codebook.model_json_schema()


def version_key(version: str) -> tuple[int, ...]:
    """1.1 and 1.1.0 compare equal; 1.10.0 sorts after 1.9.0."""
    parts = [int(p) for p in re.findall(r"\d+", version)]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)
