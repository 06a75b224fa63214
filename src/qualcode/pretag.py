"""The tagging stage: segment new transcripts and store suggestions for untagged segments.

Runs in two steps, each committed per transcript or batch so an interrupted run leaves a
consistent database that the next run completes:

1. transcripts without segments are parsed turn by turn (``nlp.pipe`` batches); each
   sentence becomes a segment and is tagged from the same parse (one pipeline pass);
2. segments not yet tagged under the current codebook version are lemmatised in batches
   (no parser needed) and tagged.

With ``jobs`` > 1 the NLP work (``tag_workers.py``) runs in forked worker processes that
inherit the loaded pipeline and tagger; this process only reads and writes the database, so
writes stay in one place and in order.

When the correction model is retrained (``learn``, or before tagging), the new model
suggests again for the segments nobody has decided on (``refresh_undecided``).
Researchers' codings are never touched here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from sqlalchemy import Engine, delete, exists, insert, select
from sqlalchemy.orm import selectinload

from .codebook import Codebook
from .nlp import load_pipeline
from .store import transaction
from .store.codebooks import record_version, version_by
from .store.models import (
    ROLE_INTERVIEWER,
    Annotation,
    Coding,
    Segment,
    SegmentTagging,
    Suggestion,
    Transcript,
    utcnow,
)
from .tag_workers import Runner
from .tagging import Tagger
from .transcript import masked, masked_turns

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
    training: str = ""

    def summary(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0
        return (f"codebook {self.codebook} {self.version}: segmented {self.transcripts_segmented} transcripts "
                f"({self.segments_created} segments), tagged {self.segments_tagged} segments, "
                f"{self.suggestions} suggestions, {self.words} words in {self.seconds:.1f} s ({rate:.0f} words/s)"
                + (f"\n{self.training}" if self.training else ""))


def _store_many(session, tagged: list[tuple[int, list]], version_id: int) -> int:
    """Suggestions and tagging marks for (segment id, suggestions) pairs, as two bulk INSERTs."""
    now = utcnow()
    rows = [dict(segment_id=sid, codebook_version_id=version_id, code=s.code, score=s.score, source=s.source,
                 reason=s.reason, evidence=[e.as_dict() for e in s.evidence], created_at=now)
            for sid, suggestions in tagged for s in suggestions]
    if rows:
        session.execute(insert(Suggestion), rows)
    if tagged:
        session.execute(insert(SegmentTagging), [dict(segment_id=sid, codebook_version_id=version_id, tagged_at=now)
                                                 for sid, _ in tagged])
    return len(rows)


def _insert_segments(session, transcript_id: int, rows: list[dict]) -> list[int]:
    """Insert one transcript's segments; their ids in ``index`` order.

    A plain executemany and one SELECT: INSERT ... RETURNING through the ORM cost more than
    the insert itself (about 0.1 s per 1,700 rows in ``bench/tagging.py``). (transcript_id,
    index) is unique, and this transaction holds the transcript unsegmented, so the SELECT
    finds exactly these rows.
    """
    if not rows:
        return []
    session.execute(insert(Segment), rows)
    ids = list(session.scalars(select(Segment.id).where(Segment.transcript_id == transcript_id)
                               .order_by(Segment.index)))
    if len(ids) != len(rows):
        raise RuntimeError(f"transcript {transcript_id}: {len(ids)} segments stored, {len(rows)} inserted")
    return ids


def _words(text: str) -> int:
    return len(text.split())


def segment_and_tag(engine: Engine, tagger: Tagger, version_id: int, report: TagReport,
                    progress: Progress | None = None, runner: Runner | None = None) -> None:
    runner = runner or Runner(tagger, 1)
    with transaction(engine) as s:
        todo = s.execute(select(Transcript.id, Transcript.word_count).where(Transcript.segmented_at.is_(None))
                         .order_by(Transcript.id)).all()
    total = sum(w for _, w in todo) or 1
    tag_interviewer = tagger.codebook.tagging.tag_interviewer

    def work():
        for tid, _ in todo:
            with transaction(engine) as s:
                t = s.get(Transcript, tid, options=[selectinload(Transcript.turns),
                                                    selectinload(Transcript.annotations)])
                if t is None or t.segmented_at is not None:
                    texts, tag = [], []
                else:
                    texts = masked_turns(t.text, t.annotations, t.turns)
                    tag = [turn.role != ROLE_INTERVIEWER or tag_interviewer for turn in t.turns]
            yield texts, tag

    done = 0
    # Read on this thread: the pool's feeder thread must not touch the database connection.
    for (tid, words), pieces in zip(todo, runner.segment(list(work()))):
        with transaction(engine) as s:
            t = s.get(Transcript, tid, options=[selectinload(Transcript.turns)])
            if t is None or t.segmented_at is not None or len(pieces) != len(t.turns):
                continue  # another process got here first
            rows: list[dict] = []
            marks: list[list | None] = []
            for turn, turn_pieces in zip(t.turns, pieces):
                for piece in turn_pieces:
                    start, end = turn.start + piece.start, turn.start + piece.end
                    rows.append(dict(transcript_id=t.id, turn_id=turn.id, index=len(rows), start=start, end=end,
                                     text=t.text[start:end], role=turn.role, word_count=_words(t.text[start:end])))
                    marks.append(piece.suggestions)
            ids = _insert_segments(s, t.id, rows)
            tagged = [(sid, sugg) for sid, sugg in zip(ids, marks) if sugg is not None]
            report.segments_created += len(rows)
            report.suggestions += _store_many(s, tagged, version_id)
            report.segments_tagged += len(tagged)
            report.words += sum(r["word_count"] for r, sugg in zip(rows, marks) if sugg is not None)
            t.segmented_at = utcnow()
            report.transcripts_segmented += 1
            name = t.name
        done += words
        if progress:
            progress(done, total, f"segmenting {name}")


def tag_untagged(engine: Engine, tagger: Tagger, version_id: int, report: TagReport,
                 progress: Progress | None = None, batch: int = 256, runner: Runner | None = None) -> None:
    already = exists().where(SegmentTagging.segment_id == Segment.id,
                             SegmentTagging.codebook_version_id == version_id)
    _tag_where(engine, tagger, version_id, ~already, report, progress, batch, runner, "tagging segments")


def _undecided(version_id: int):
    """Segments tagged under this version that no coder has decided anything on."""
    tagged = exists().where(SegmentTagging.segment_id == Segment.id, SegmentTagging.codebook_version_id == version_id)
    return tagged & ~exists().where(Coding.segment_id == Segment.id)


def _tag_where(engine: Engine, tagger: Tagger, version_id: int, where, report: TagReport,
               progress: Progress | None, batch: int, runner: Runner | None, label: str,
               replace: bool = False) -> None:
    """Tag the segments ``where`` selects, in batches, each stored in its own transaction.

    ``where`` is checked again when a batch is stored (another process or coder may have
    got there first). With ``replace`` the segments' suggestions under this version are
    replaced rather than added.
    """
    runner = runner or Runner(tagger, 1)
    query = select(Segment.id, Segment.word_count).where(where)
    if not tagger.codebook.tagging.tag_interviewer:
        query = query.where(Segment.role != ROLE_INTERVIEWER)
    with transaction(engine) as s:
        todo = s.execute(query.order_by(Segment.id)).all()
    total = sum(w for _, w in todo) or 1
    chunks = [[sid for sid, _ in todo[i:i + batch]] for i in range(0, len(todo), batch)]

    def texts_of(ids):
        with transaction(engine) as s:
            segs = list(s.execute(select(Segment.id, Segment.text, Segment.start, Segment.end, Segment.transcript_id)
                                  .where(Segment.id.in_(ids)).order_by(Segment.id)))
            tids = {seg.transcript_id for seg in segs}
            notes: dict[int, list[Annotation]] = {tid: [] for tid in tids}
            for a in s.scalars(select(Annotation).where(Annotation.transcript_id.in_(tids))):
                notes[a.transcript_id].append(a)
        texts = []
        for seg in segs:
            local = [a for a in notes[seg.transcript_id] if a.start < seg.end and seg.start < a.end]
            texts.append(masked(seg.text, [_Shifted(a.start - seg.start, a.end - seg.start) for a in local]))
        return [seg.id for seg in segs], texts

    loaded = [texts_of(ids) for ids in chunks]
    done = 0
    for (ids, _), suggestions in zip(loaded, runner.tag([texts for _, texts in loaded])):
        with transaction(engine) as s:
            fresh = dict(s.execute(select(Segment.id, Segment.word_count).where(Segment.id.in_(ids), where)).all())
            tagged = [(sid, sugg) for sid, sugg in zip(ids, suggestions) if sid in fresh]  # others: done meanwhile
            if replace and tagged:
                for table in (Suggestion, SegmentTagging):
                    s.execute(delete(table).where(table.segment_id.in_(list(fresh)),
                                                  table.codebook_version_id == version_id))
            report.suggestions += _store_many(s, tagged, version_id)
            report.segments_tagged += len(tagged)
            words = sum(fresh[sid] for sid, _ in tagged)
            report.words += words
            done += words
        if progress:
            progress(done, total, label)


def refresh_undecided(engine: Engine, tagger: Tagger, progress: Progress | None = None) -> TagReport:
    """Suggest again with ``tagger`` for every segment of its codebook version that no coder has decided on.

    Run after the correction model is retrained, so that what researchers taught it shows in
    the transcripts still to be reviewed, not only in transcripts imported later. Segments
    anybody has decided on keep their suggestions: no decision is left pointing at a
    suggestion that changed after it, and no segment gets its own accepted coding as its
    nearest example.
    """
    started = time.perf_counter()
    book = tagger.codebook
    report = TagReport(book.name, book.version)
    with transaction(engine) as s:
        version = version_by(s, book.name, book.version)
    if version is not None:
        _tag_where(engine, tagger, version.id, _undecided(version.id), report, progress, 256, None,
                   "suggesting again with the new model", replace=True)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class LearnReport:
    """What ``learn`` did: the training (``tagging.learning.TrainReport``) and the refresh, if any."""

    training: object
    refreshed: TagReport | None = None

    def summary(self) -> str:
        return self.training.summary() + (f"\n{_refreshed(self.refreshed)}" if self.refreshed else "")


def learn(engine: Engine, codebook: Codebook | None = None, nlp: Language | None = None, *, force: bool = False,
          progress: Progress | None = None) -> LearnReport:
    """Retrain the correction model when due (``force``: now); with a new model, suggest again
    where nobody has decided yet (``refresh_undecided``).

    The app runs it in the background after decisions, and *Retrain now* and ``qualcode
    train`` with ``force``.
    """
    from .store.codebooks import current_codebook
    from .tagging import learning

    if progress:
        progress(0, 0, "training the suggestion model")
    trained = learning.retrain(engine, codebook, nlp) if force else learning.maybe_retrain(engine, codebook, nlp)
    report = LearnReport(trained)
    if not trained.trained:
        return report
    if codebook is None:
        with transaction(engine) as s:
            current = current_codebook(s)
        if current is None:
            return report
        codebook = current[0]
    tagger, _ = project_tagger(engine, codebook, nlp, retrain=False)
    report.refreshed = refresh_undecided(engine, tagger, progress)
    return report


def _refreshed(report: TagReport) -> str:
    return (f"suggested again with the new model for {report.segments_tagged} segments nobody has decided on "
            f"({report.suggestions} suggestions)")


@dataclass
class _Shifted:
    start: int
    end: int


def project_tagger(engine: Engine, codebook: Codebook, nlp: Language | None = None, *, retrain: bool = True,
                   use_model: bool = True, progress: Progress | None = None) -> tuple[Tagger, str]:
    """The tagger this project's suggestions come from, and what retraining did ("" if not asked).

    With ``retrain`` the correction model is retrained first if enough new decisions were
    made, or if it was trained under another codebook version (``tagging.learning.maybe_retrain``),
    and a new model suggests again where nobody has decided (``refresh_undecided``);
    with ``use_model`` the newest model joins the rules and examples, and accepted codings join
    the codebook's examples. Tagging and re-tagging after a codebook change both use it, so a
    suggestion does not depend on which of the two made it.
    """
    from .tagging.learning import accepted_examples, load_model, maybe_retrain

    nlp = nlp or load_pipeline()
    training = ""
    if retrain:
        if progress:
            progress(0, 0, "suggestion model: retraining if due")
        trained = maybe_retrain(engine, codebook, nlp)
        training = trained.summary()
    model = load_model(engine, codebook) if use_model else None
    extra = accepted_examples(engine, codebook) if use_model else []
    if progress:  # the first run of a codebook version trains its classifier: seconds with no other sign
        progress(0, 0, "codebook classifier (first run: trains)")
    tagger = Tagger(nlp, codebook, model, extra_examples=extra)
    if retrain and trained.trained and use_model:  # a new model: where nobody decided, its suggestions
        training += "\n" + _refreshed(refresh_undecided(engine, tagger, progress))
    return tagger, training


def pretag(engine: Engine, codebook: Codebook, yaml_text: str, *, source_path: str | None = None,
           nlp: Language | None = None, progress: Progress | None = None, jobs: int = 1,
           retrain: bool = True, use_model: bool = True) -> TagReport:
    """Segment what is unsegmented and tag what is untagged under this codebook version.

    ``retrain`` and ``use_model``: see ``project_tagger``. ``jobs`` > 1 parses and tags in that
    many processes.
    """
    started = time.perf_counter()
    with transaction(engine) as s:
        version_id = record_version(s, codebook, yaml_text, source_path).id
    report = TagReport(codebook.name, codebook.version)
    tagger, report.training = project_tagger(engine, codebook, nlp, retrain=retrain, use_model=use_model,
                                             progress=progress)
    runner = Runner(tagger, jobs)
    try:
        segment_and_tag(engine, tagger, version_id, report, progress, runner)
        tag_untagged(engine, tagger, version_id, report, progress, runner=runner)
    finally:
        runner.close()
    report.seconds = time.perf_counter() - started
    return report
