"""Which suggestions a codebook change can affect, so re-tagging touches only those segments.

The tagger suggests each code from that code's own definition: its patterns, exclusion
patterns, examples and threshold (plus the codebook's default threshold and whether
interviewer turns are tagged). So between two versions each code of the new version is

- **unchanged** (same tagging definition, perhaps under a new id): its old suggestions are
  still right and are carried over, renamed if need be, without running the pipeline;
- **narrowed** (patterns only removed, exclusions only added, threshold only raised): it can
  only lose suggestions, so only segments that had one are re-tagged;
- **widened** (anything else: a new code, new patterns or examples): it may now match any
  segment, so every segment is re-tagged.

Old codes with no successor (retired, removed, merged away) simply get no suggestions under the
new version. Re-tagging never touches codings: a researcher's decision stays as it was, and
a decided suggestion stays decided in the review.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from .schema import Code, Codebook, as_spec

UNCHANGED = "unchanged"
NARROWED = "narrowed"
WIDENED = "widened"


@dataclass(frozen=True)
class TaggingDefinition:
    """Everything the tagger reads from one code."""

    patterns: frozenset[str]
    exclusions: frozenset[str]
    threshold: float
    examples: frozenset[str]
    # The tagger's classifier learns every code from all codes' examples and counter-examples,
    # so a change to any of them can move any code's suggestions.
    training: str = ""

    @classmethod
    def of(cls, book: Codebook, code: Code) -> TaggingDefinition:
        def canon(items) -> frozenset[str]:
            out = set()
            for p in items:
                spec = as_spec(p).model_dump()
                if spec.get("lemma"):
                    spec["lemma"] = " ".join(spec["lemma"].lower().split())
                out.add(json.dumps(spec, sort_keys=True, ensure_ascii=False))
            return frozenset(out)

        return cls(canon(code.patterns), canon(code.exclude_patterns), book.threshold(code.id),
                   frozenset(e.strip() for e in code.examples), training_fingerprint(book))

    @property
    def can_suggest(self) -> bool:
        return bool(self.patterns or self.examples)

    def compare(self, old: TaggingDefinition) -> str:
        if self == old:
            return UNCHANGED
        if (self.patterns <= old.patterns and self.exclusions >= old.exclusions and self.threshold >= old.threshold
                and self.examples == old.examples and self.training == old.training):
            return NARROWED
        return WIDENED


def training_fingerprint(book: Codebook) -> str:
    """A digest of every code's examples and counter-examples (what the tagger's classifier learns from).

    Ids and status are left out: a renamed or retired code's examples still train the other
    codes' classifiers the same way (``tagging.classifier.codebook_training_set``).
    """
    data = sorted((c.parent or "", sorted(e.strip() for e in c.examples), sorted(e.strip() for e in c.counter_examples))
                  for c in book.codes if c.examples or c.counter_examples)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass
class TaggingDelta:
    """How each code's suggestions relate between an old and a new codebook version."""

    copy: dict[str, str] = field(default_factory=dict)  # old id -> new id: suggestions carried over
    narrowed: dict[str, str] = field(default_factory=dict)  # new id -> old id it narrows
    widened: list[str] = field(default_factory=list)  # new ids that may match anywhere
    dropped: list[str] = field(default_factory=list)  # old ids with no suggestions any more
    successor: dict[str, str] = field(default_factory=dict)  # old id -> new id, for every continued code
    interviewer_changed: bool = False
    tag_interviewer: bool = False

    @property
    def retag_all(self) -> bool:
        return bool(self.widened)

    @property
    def retag_codes(self) -> list[str]:
        """Old code ids whose suggestions mark a segment for re-tagging (when not re-tagging all)."""
        return sorted(set(self.narrowed.values()))

    @property
    def changed(self) -> bool:
        return bool(self.narrowed or self.widened or self.dropped or self.interviewer_changed
                    or any(o != n for o, n in self.copy.items()))

    def describe(self) -> list[str]:
        lines = []
        if self.widened:
            lines.append(f"new or widened codes (every segment is re-tagged): {', '.join(self.widened)}")
        if self.narrowed:
            lines.append("narrowed codes (segments that had their suggestions are re-tagged): "
                         + ", ".join(f"{n}" if n == o else f"{n} (was {o})" for n, o in self.narrowed.items()))
        renamed = {o: n for o, n in self.copy.items() if o != n}
        if renamed:
            lines.append("unchanged, suggestions carried over under the new id: "
                         + ", ".join(f"{o} → {n}" for o, n in renamed.items()))
        if self.dropped:
            lines.append(f"codes no longer suggested: {', '.join(self.dropped)}")
        if self.interviewer_changed:
            lines.append("interviewer turns are now " + ("tagged" if self.tag_interviewer else "not tagged"))
        if not lines:
            lines.append("no code's tagging changed: every suggestion is carried over")
        return lines


def predecessor(old: Codebook, code: Code) -> Code | None:
    """The old code whose suggestions this new code continues: same id, else the one it was renamed from."""
    same = old.get(code.id)
    if same is not None:
        return same
    for src in code.renamed_from:
        found = old.get(src)
        if found is not None:
            return found
    return None


def tagging_delta(old: Codebook, new: Codebook) -> TaggingDelta:
    delta = TaggingDelta(tag_interviewer=new.tagging.tag_interviewer,
                         interviewer_changed=old.tagging.tag_interviewer != new.tagging.tag_interviewer)
    continued: set[str] = set()
    for code in new.active_codes:
        before = predecessor(old, code)
        if before is None or not before.is_active:
            if TaggingDefinition.of(new, code).can_suggest:
                delta.widened.append(code.id)
            continue
        delta.successor[before.id] = code.id
        now = TaggingDefinition.of(new, code)
        if not now.can_suggest:
            continue  # suggests nothing any more: its old suggestions are dropped, no re-tagging needed
        continued.add(before.id)
        verdict = now.compare(TaggingDefinition.of(old, before))
        if verdict == UNCHANGED:
            delta.copy[before.id] = code.id
        elif verdict == NARROWED:
            delta.narrowed[code.id] = before.id
        else:
            delta.widened.append(code.id)
    # Only codes that could suggest before: a grouping code with no patterns or examples was never dropped.
    delta.dropped = [c.id for c in old.active_codes
                     if c.id not in continued and TaggingDefinition.of(old, c).can_suggest]
    return delta


@dataclass
class RetagReport:
    candidates: int = 0  # segments the change can affect
    retagged: int = 0
    words: int = 0
    suggestions: int = 0  # new suggestions of the changed codes
    seconds: float = 0.0
    training: str = ""  # what retraining the correction model did first

    def summary(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0
        return (f"re-tagged {self.retagged} of {self.candidates} segments the change can affect "
                f"({self.suggestions} suggestions of changed codes, {self.words} words in {self.seconds:.1f} s, "
                f"{rate:.0f} words/s)" + (f"\n{self.training}" if self.training else ""))


@dataclass
class _Shifted:
    start: int
    end: int


def retag(engine: Engine, book: Codebook, delta: TaggingDelta, old_vid: int, new_vid: int, *, nlp=None,
          progress: Callable[[int, int, str], None] | None = None, batch: int = 256) -> RetagReport:
    """Re-tag the segments ``delta`` says can change, under version ``new_vid``.

    Only the changed codes' suggestions come from the tagger; unchanged codes' suggestions are
    carried over from ``old_vid`` as they were. Each batch is one transaction, so an interrupted
    run leaves the rest untagged under the new version for `qualcode tag` (or a second apply).
    """
    from ..pretag import project_tagger
    from ..store import transaction
    from ..store import codebooks as store
    from ..transcript import masked

    started = time.perf_counter()
    report = RetagReport()
    with transaction(engine) as s:
        todo = store.retag_candidates(s, old_vid, new_vid, delta.retag_all, delta.retag_codes, delta.tag_interviewer)
    report.candidates = len(todo)
    if not todo:
        return report
    # The tagger `qualcode tag` uses: the correction model (retrained under the new version,
    # on the decisions as they were carried over) and accepted codings as examples.
    tagger, report.training = project_tagger(engine, book, nlp, progress=progress)
    changed = set(delta.narrowed) | set(delta.widened)
    total = sum(w for _, w in todo) or 1
    for i in range(0, len(todo), batch):
        with transaction(engine) as s:
            pairs = store.segments_with_annotations(s, [sid for sid, _ in todo[i:i + batch]], new_vid)
            texts = [masked(seg.text, [_Shifted(a.start - seg.start, a.end - seg.start) for a in notes])
                     for seg, notes in pairs]
            for (seg, _), suggestions in zip(pairs, tagger.suggest_texts(texts)):
                rows = [{"code": x.code, "score": x.score, "source": x.source, "reason": x.reason,
                         "evidence": [e.as_dict() for e in x.evidence]} for x in suggestions if x.code in changed]
                store.store_retagged(s, seg.id, old_vid, new_vid, delta.copy, rows)
                report.retagged += 1
                report.suggestions += len(rows)
                report.words += seg.word_count
        if progress:
            progress(report.words, total, "re-tagging segments")
    report.seconds = time.perf_counter() - started
    return report
