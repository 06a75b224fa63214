"""Segments: sentences inside speaker turns, found by the Finnish pipeline's parser."""

from __future__ import annotations

from spacy.tokens import Doc, Span


def sentence_spans(doc: Doc) -> list[Span]:
    """The doc's sentences trimmed of surrounding blanks; pieces with no word are dropped.

    The doc is made from a turn's masked text (annotations blanked), so a sentence that
    holds only a time stamp or "[naurua]" has no word left and does not become a segment.
    """
    spans = []
    for sent in doc.sents:
        tokens = [t for t in sent if not t.is_space]
        if not tokens or not any(t.is_alpha or t.like_num for t in tokens):
            continue
        spans.append(doc[tokens[0].i: tokens[-1].i + 1])
    return spans
