"""The codebook as the pages show it: labels and definitions in the UI language, colours, unknown codes."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from .. import review
from ..codebook import Codebook, parse_codebook
from .i18n import current_lang
from .render import GREY


@st.cache_resource(show_spinner=False, max_entries=8)
def _parsed(yaml_text: str) -> Codebook:
    return parse_codebook(yaml_text, "codebook (database)")


def codebook(engine) -> Codebook | None:
    """The project's current codebook, parsed once per version."""
    text = review.codebook_yaml(engine)
    return _parsed(text) if text else None


@dataclass
class CodeSet:
    """Active codes in codebook order; codes no longer in the codebook still get a label."""

    ids: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    colours: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    inclusion: dict[str, list[str]] = field(default_factory=dict)
    exclusion: dict[str, list[str]] = field(default_factory=dict)

    def label(self, code: str) -> str:
        return self.labels.get(code, code)

    def colour(self, code: str) -> str:
        return self.colours.get(code, GREY)

    def option(self, code: str) -> str:
        """A picker entry: label and the start of the definition, so typing a word of either finds it."""
        definition = self.definitions.get(code, "")
        short = definition if len(definition) <= 90 else definition[:87].rstrip() + "…"
        return f"{self.label(code)} — {short}" if short else self.label(code)


def code_set(engine, lang: str | None = None) -> CodeSet:
    book = codebook(engine)
    lang = lang or current_lang()
    out = CodeSet()
    if book is None:
        return out
    for c in book.codes:
        out.labels[c.id] = c.label.fi if lang == "fi" else c.label.en
        out.colours[c.id] = c.colour
        out.definitions[c.id] = " ".join((c.definition.fi if lang == "fi" else c.definition.en).split())
        out.inclusion[c.id] = list(c.inclusion)
        out.exclusion[c.id] = list(c.exclusion)
        if c.status == "active":
            out.ids.append(c.id)
    return out

