"""The codebook schema: one pydantic model, exported as JSON Schema, is the single definition.

A codebook is YAML kept under version control. Per code it holds what researchers read
(labels, definition, inclusion/exclusion criteria, examples) and what the tagger uses
(lemma patterns, exclusion patterns, examples, threshold).

Patterns (``patterns`` and ``exclude_patterns``) are written as:

- ``luottamus``: one lemma. Matches every inflected form (luottamuksella, luottamusta) and,
  unless ``compound: false``, compounds that contain it (luottamuspula).
- ``jakaa kokemus``: several lemmas in a row (jaan kokemuksia, jakaa kokemuksensa).
- ``{lemma: "pitää puoli", gap: 2}``: lemmas in order with up to ``gap`` other words between.
- ``{tokens: [{LEMMA: {IN: [auttaa, avustaa]}}, {POS: NOUN}]}``: a raw spaCy Matcher pattern.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_ID = r"^[a-z][a-z0-9_]*$"
COLOUR = r"^#[0-9a-fA-F]{6}$"
SEMVER = r"^\d+\.\d+(\.\d+)?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Labels(_Strict):
    fi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class PatternSpec(_Strict):
    lemma: str | None = Field(None, description="One lemma, or several separated by spaces, in order.")
    gap: int = Field(0, ge=0, le=10, description="Other words allowed between the lemmas.")
    compound: bool = Field(True, description="A single lemma also matches compounds that contain it.")
    tokens: list[dict[str, Any]] | None = Field(None, description="A raw spaCy Matcher token pattern.")
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PatternSpec:
        if (self.lemma is None) == (self.tokens is None):
            raise ValueError("a pattern needs exactly one of 'lemma' or 'tokens'")
        return self


Pattern = Annotated[str | PatternSpec, Field(description="A lemma string or a pattern mapping.")]


def as_spec(pattern: str | PatternSpec) -> PatternSpec:
    return PatternSpec(lemma=pattern) if isinstance(pattern, str) else pattern


class Code(_Strict):
    id: str = Field(pattern=CODE_ID, description="Stable identifier; never reused for another meaning.")
    label: Labels
    definition: Labels
    inclusion: list[str] = Field(default_factory=list, description="When to apply the code.")
    exclusion: list[str] = Field(default_factory=list, description="When not to apply it (and what to use instead).")
    examples: list[str] = Field(default_factory=list, description="Finnish sentences that carry the code.")
    patterns: list[Pattern] = Field(default_factory=list)
    exclude_patterns: list[Pattern] = Field(
        default_factory=list, description="Matches of these suppress this code's rule matches on the same words."
    )
    colour: str = Field("#777777", pattern=COLOUR)
    parent: str | None = None
    status: Literal["active", "retired"] = "active"
    threshold: float | None = Field(None, ge=0, le=1, description="Score needed to suggest this code.")
    renamed_from: list[str] = Field(default_factory=list)
    merged_from: list[str] = Field(default_factory=list)
    split_from: str | None = None
    migration_note: str | None = None

    @field_validator("patterns", "exclude_patterns")
    @classmethod
    def _no_empty(cls, value: list) -> list:
        for p in value:
            if isinstance(p, str) and not p.strip():
                raise ValueError("empty pattern")
        return value


class ChangelogEntry(_Strict):
    version: str = Field(pattern=SEMVER)
    date: str
    changes: str | list[str]


class TaggingSettings(_Strict):
    threshold: float = Field(0.5, ge=0, le=1, description="Default score needed to suggest a code.")
    tag_interviewer: bool = Field(False, description="Tag interviewer turns too.")


class Codebook(_Strict):
    name: str = Field(pattern=CODE_ID)
    title: Labels | None = None
    version: str = Field(pattern=SEMVER)
    date: str
    description: str | None = None
    changelog: list[ChangelogEntry] = Field(default_factory=list)
    tagging: TaggingSettings = Field(default_factory=TaggingSettings)
    codes: list[Code]

    @property
    def active_codes(self) -> list[Code]:
        return [c for c in self.codes if c.status == "active"]

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def threshold(self, code_id: str) -> float:
        t = self.code(code_id).threshold
        return self.tagging.threshold if t is None else t


def json_schema() -> dict:
    return Codebook.model_json_schema()


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))
