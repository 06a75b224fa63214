"""`qualcode tag --jobs 2` stores exactly what one process stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualcode.codebook import load_codebook
from qualcode.importing import import_files
from qualcode.pretag import pretag
from qualcode.store import make_engine, transaction
from qualcode.store.models import Segment, Suggestion

from .conftest import CODEBOOK, TRANSCRIPTS


def _run(url, nlp, jobs):
    engine = make_engine(url)
    import_files(engine, [TRANSCRIPTS / "ohs_group.docx", TRANSCRIPTS / "mgmt_intermediary.docx"])
    book, text = load_codebook(CODEBOOK)
    report = pretag(engine, book, text, nlp=nlp, jobs=jobs)
    with transaction(engine) as s:
        segments = s.execute(select(Segment.transcript_id, Segment.index, Segment.start, Segment.end)
                             .order_by(Segment.transcript_id, Segment.index)).all()
        suggestions = s.execute(select(Segment.start, Suggestion.code, Suggestion.score, Suggestion.reason)
                                .join(Segment).order_by(Segment.start, Suggestion.code)).all()
    engine.dispose()
    return report, segments, suggestions


@pytest.mark.slow
def test_two_processes_store_the_same(tmp_path, nlp):
    one = _run(f"sqlite:///{tmp_path / 'one.db'}", nlp, 1)
    two = _run(f"sqlite:///{tmp_path / 'two.db'}", nlp, 2)
    assert one[0].segments_created == two[0].segments_created > 100
    assert one[1] == two[1]
    assert [(a, b, round(c, 6), d) for a, b, c, d in one[2]] == [(a, b, round(c, 6), d) for a, b, c, d in two[2]]
    assert len(one[2]) > 20


def test_progress_says_what_happens_before_the_first_word(tmp_path, nlp):
    """The first run of a codebook version trains its classifier before any word is tagged: the bar says so."""
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    import_files(engine, [TRANSCRIPTS / "ohs_group.docx"])
    book, text = load_codebook(CODEBOOK)
    calls = []
    pretag(engine, book, text, nlp=nlp, progress=lambda done, total, label: calls.append((done, total, label)))
    labels = [label for _, _, label in calls]
    first_word = next(i for i, (done, _, _) in enumerate(calls) if done > 0)
    assert any("classifier" in label for label in labels[:first_word])
    assert calls[-1][0] == calls[-1][1] > 0  # ends at 100 %
    engine.dispose()
