"""The tagging stage: segment new transcripts and store suggestions for untagged segments.

Runs in two steps, each committed per transcript or batch so an interrupted run leaves a
consistent database that the next run completes:

1. transcripts without segments are parsed turn by turn; each sentence becomes a segment and
   is tagged from the same parse (one pipeline pass);
2. segments not yet tagged under the current codebook version are lemmatised in batches
   (no parser needed) and tagged.

Researchers' codings are never touched here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import selectinload

from .codebook import Codebook
from .nlp import load_pipeline
from .segments import sentence_spans
from .store import transaction
from .store.codebooks import record_version
from .store.models import (
    ROLE_INTERVIEWER,
    Annotation,
    Segment,
    SegmentTagging,
    Suggestion,
    Transcript,
    utcnow,
)
from .tagging import Tagger
from .transcript import masked

Progress = Callable[[int, int, str], None]


@dataclass
class TagReport:
    codebook: str
    version: str
    transcripts_segmented: int = 0
    segments_created: int = 0
    segments_tagged: int = 0
    suggestions: int = 0
    words: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0
        return (f"codebook {self.codebook} {self.version}: segmented {self.transcripts_segmented} transcripts "
                f"({self.segments_created} segments), tagged {self.segments_tagged} segments, "
                f"{self.suggestions} suggestions, {self.words} words in {self.seconds:.1f} s ({rate:.0f} words/s)")


def _store_suggestions(session, segment: Segment, suggestions, version_id: int) -> int:
    for s in suggestions:
        session.add(Suggestion(segment=segment, codebook_version_id=version_id, code=s.code, score=s.score,
                               source=s.source, reason=s.reason, evidence=[e.as_dict() for e in s.evidence]))
    session.add(SegmentTagging(segment=segment, codebook_version_id=version_id))
    return len(suggestions)


def _words(text: str) -> int:
    return len(text.split())


def segment_and_tag(engine: Engine, tagger: Tagger, version_id: int, report: TagReport,
                    progress: Progress | None = None) -> None:
    nlp = tagger.nlp
    with transaction(engine) as s:
        todo = s.execute(select(Transcript.id, Transcript.word_count).where(Transcript.segmented_at.is_(None))
                         .order_by(Transcript.id)).all()
    total = sum(w for _, w in todo) or 1
    done = 0
    tag_interviewer = tagger.codebook.tagging.tag_interviewer
    for tid, words in todo:
        with transaction(engine) as s:
            t = s.get(Transcript, tid, options=[selectinload(Transcript.turns), selectinload(Transcript.annotations)])
            if t is None or t.segmented_at is not None:
                continue  # another process got here first
            texts = [masked(t.text, t.annotations, turn.start, turn.end) for turn in t.turns]
            index = 0
            for turn, doc in zip(t.turns, nlp.pipe(texts, batch_size=16)):
                for span in sentence_spans(doc):
                    start, end = turn.start + span.start_char, turn.start + span.end_char
                    seg = Segment(transcript=t, turn=turn, index=index, start=start, end=end,
                                  text=t.text[start:end], role=turn.role, word_count=_words(span.text))
                    s.add(seg)
                    index += 1
                    report.segments_created += 1
                    if turn.role != ROLE_INTERVIEWER or tag_interviewer:
                        report.suggestions += _store_suggestions(s, seg, tagger.suggest(span), version_id)
                        report.segments_tagged += 1
                        report.words += seg.word_count
            t.segmented_at = utcnow()
            report.transcripts_segmented += 1
        done += words
        if progress:
            progress(done, total, f"segmenting {t.name}")


def tag_untagged(engine: Engine, tagger: Tagger, version_id: int, report: TagReport,
                 progress: Progress | None = None, batch: int = 512) -> None:
    tag_interviewer = tagger.codebook.tagging.tag_interviewer
    already = exists().where(SegmentTagging.segment_id == Segment.id,
                             SegmentTagging.codebook_version_id == version_id)
    query = select(Segment.id, Segment.word_count).where(~already)
    if not tag_interviewer:
        query = query.where(Segment.role != ROLE_INTERVIEWER)
    with transaction(engine) as s:
        todo = s.execute(query.order_by(Segment.id)).all()
    total = sum(w for _, w in todo) or 1
    done = 0
    for i in range(0, len(todo), batch):
        ids = [sid for sid, _ in todo[i:i + batch]]
        with transaction(engine) as s:
            segs = list(s.scalars(select(Segment).where(Segment.id.in_(ids), ~already).order_by(Segment.id)))
            tids = {seg.transcript_id for seg in segs}
            notes: dict[int, list[Annotation]] = {tid: [] for tid in tids}
            for a in s.scalars(select(Annotation).where(Annotation.transcript_id.in_(tids))):
                notes[a.transcript_id].append(a)
            texts = []
            for seg in segs:
                local = [a for a in notes[seg.transcript_id] if a.start < seg.end and seg.start < a.end]
                shifted = [_Shifted(a.start - seg.start, a.end - seg.start) for a in local]
                texts.append(masked(seg.text, shifted))
            for seg, suggestions in zip(segs, tagger.suggest_texts(texts)):
                report.suggestions += _store_suggestions(s, seg, suggestions, version_id)
                report.segments_tagged += 1
                report.words += seg.word_count
                done += seg.word_count
        if progress:
            progress(done, total, "tagging segments")


@dataclass
class _Shifted:
    start: int
    end: int


def pretag(engine: Engine, codebook: Codebook, yaml_text: str, *, source_path: str | None = None,
           nlp: Language | None = None, progress: Progress | None = None) -> TagReport:
    """Segment what is unsegmented and tag what is untagged under this codebook version."""
    started = time.perf_counter()
    with transaction(engine) as s:
        version_id = record_version(s, codebook, yaml_text, source_path).id
    tagger = Tagger(nlp or load_pipeline(), codebook)
    report = TagReport(codebook.name, codebook.version)
    segment_and_tag(engine, tagger, version_id, report, progress)
    tag_untagged(engine, tagger, version_id, report, progress)
    report.seconds = time.perf_counter() - started
    return report
