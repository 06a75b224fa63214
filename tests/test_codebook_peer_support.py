"""codebooks/peer_support.yaml 1.1: sub-codes for horizontal and vertical peer support, migrated from 1.0.0."""

from __future__ import annotations

from sqlalchemy import select

from qualcode.codebook import load_codebook, parse_codebook, version_key
from qualcode.codebook.diff import diff_codebooks
from qualcode.codebook.migrate import apply_codebook
from qualcode.codebook.overview import codebook_overview
from qualcode.codebook.retag import tagging_delta
from qualcode.pretag import pretag
from qualcode.review import accept, reject
from qualcode.store import transaction
from qualcode.store.models import Coding, CodebookVersion, Suggestion

from .codebook_support import SENTENCES, V100, make_project
from .conftest import CODEBOOK

NEW = ("peer_support_direction", "horizontal_peer_support", "vertical_peer_support")


def test_version_1_1_adds_the_direction_sub_codes_and_changes_no_existing_code():
    book, _ = load_codebook(CODEBOOK)
    old = parse_codebook(V100.read_text(encoding="utf-8"))
    assert version_key(book.version) >= (1, 1, 0) and book.changelog_entry("1.1.0") is not None
    for cid in old.ids():
        assert book.code(cid).is_active and book.code(cid).parent is None
    parent = book.code("peer_support_direction")
    assert parent.parent is None and [c.id for c in book.children(parent.id)] == list(NEW[1:])
    for cid in NEW[1:]:
        sub = book.code(cid)
        assert sub.definition.fi and sub.definition.en and len(sub.examples) >= 3 and sub.patterns
    diff = diff_codebooks(old, book)
    assert [c.code for c in diff.of("added")] == list(NEW)
    forbidden = {"removed", "retired", "renamed", "merged", "split", "reparented", "label", "definition", "criteria"}
    assert not forbidden & set(diff.kinds())


def test_migrating_a_tagged_and_coded_project_from_1_0_to_1_1(engine, nlp):
    segs = make_project(engine, {"workers": SENTENCES})["workers"]
    v100 = V100.read_text(encoding="utf-8")
    pretag(engine, parse_codebook(v100), v100, nlp=nlp)
    with transaction(engine) as s:
        suggested = [(x.segment_id, x.code) for x in s.scalars(select(Suggestion))]
    for i, (seg, code) in enumerate(suggested):
        (accept if i % 3 else reject)(engine, seg, code, "anna")
    with transaction(engine) as s:
        before = {c.id: (c.segment_id, c.code, c.coder, c.status, c.codebook_version_id)
                  for c in s.scalars(select(Coding))}
    assert len(before) == len(suggested) >= 8

    book, text = load_codebook(CODEBOOK)
    report = apply_codebook(engine, book, text, source_path=str(CODEBOOK), who="lead", nlp=nlp)
    with transaction(engine) as s:
        after = {c.id: (c.segment_id, c.code, c.coder, c.status, c.codebook_version_id)
                 for c in s.scalars(select(Coding))}
        vid = s.scalar(select(CodebookVersion.id).where(CodebookVersion.version == book.version))
        new = {}
        for x in s.scalars(select(Suggestion).where(Suggestion.codebook_version_id == vid)):
            new.setdefault(x.segment_id, set()).add(x.code)
    assert after == before and not report.plan.changes  # nothing to move: 1.1 only adds codes
    assert "vertical_peer_support" in new[segs[SENTENCES.index(
        "Esimies soitti sille ja jutteli, ku toinen keikkalainen sano et se oli pahoillaan.")]]
    assert "horizontal_peer_support" in new[segs[SENTENCES.index(
        "Ne puhuu keskenään somessa, ja siellä ollaan samassa tilanteessa.")]]
    # Codes whose tagging did not change keep exactly their old suggestions.
    unchanged = set(tagging_delta(parse_codebook(v100), book).copy)
    old = {}
    for seg, code in suggested:
        old.setdefault(seg, set()).add(code)
    for seg in segs:
        assert old.get(seg, set()) & unchanged == new.get(seg, set()) & unchanged
    entries = {e.id: e for e in codebook_overview(engine).entries}
    assert entries["horizontal_peer_support"].depth == 1 and entries["vertical_peer_support"].depth == 1
    assert entries["vertical_peer_support"].usage["suggested"] >= 1
