"""Bulk decisions from the command line: accept or reject many open suggestions at once, for scripts and for
analysts who trust high scores. Each decision is audited like one made in the app, and all
of them commit together or not at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from .store import transaction
from .store.codebooks import current_codebook
from .store.codings import Decision, DecisionError, decide_many
from .store.models import STATUS_ACCEPTED, STATUS_REJECTED, Transcript
from .store.pending import pending_suggestions


@dataclass
class BulkResult:
    status: str
    coder: str
    decided: int = 0
    dry_run: bool = False
    per_code: Counter = field(default_factory=Counter)
    per_transcript: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        verb = {"accepted": "accept", "rejected": "reject"}[self.status]
        head = (f"would {verb} {self.decided} suggestions for {self.coder}" if self.dry_run
                else f"{self.status} {self.decided} suggestions for {self.coder}")
        lines = [head]
        lines += [f"  {code}: {n}" for code, n in sorted(self.per_code.items())]
        lines += [f"  in {name}: {n}" for name, n in sorted(self.per_transcript.items())]
        return "\n".join(lines)


def bulk_decide(engine: Engine, coder: str, status: str, *, transcripts: list[str] | None = None,
                codes: list[str] | None = None, min_score: float | None = None, max_score: float | None = None,
                dry_run: bool = False, progress=None) -> BulkResult:
    """Decide every open suggestion (this coder has not decided on) that matches the filters.

    Suggestions of the current codebook version only; interviewer turns never. Decisions the
    coder already made are left as they are. Unknown transcripts or codes are refused before
    anything is written.
    """
    if status not in (STATUS_ACCEPTED, STATUS_REJECTED):
        raise DecisionError(f"status must be accepted or rejected, not {status!r}")
    if not coder or not coder.strip():
        raise DecisionError("a coder name is needed: --coder NAME")
    for name, value in (("--min-score", min_score), ("--max-score", max_score)):
        if value is not None and not 0 <= value <= 1:
            raise DecisionError(f"{name} {value}: scores run from 0 to 1")
    result = BulkResult(status, coder, dry_run=dry_run)
    with transaction(engine) as s:
        found = current_codebook(s)
        if found is None:
            raise DecisionError("no suggestions yet: run `qualcode tag` first")
        book, version = found
        if codes:
            unknown = sorted(set(codes) - set(book.ids()))
            if unknown:
                raise DecisionError(f"unknown codes: {', '.join(unknown)}; codebook {book.name} {book.version} "
                                    f"has: {', '.join(book.ids())}")
        transcript_ids = None
        names = dict(s.execute(select(Transcript.id, Transcript.name)).all())
        if transcripts:
            by_name = {v: k for k, v in names.items()}
            missing = [t for t in transcripts if t not in by_name]
            if missing:
                raise DecisionError(f"no transcript named {', '.join(map(repr, missing))}; "
                                    "`qualcode transcripts` lists them")
            transcript_ids = [by_name[t] for t in transcripts]
        rows = pending_suggestions(s, version.id, coder, transcript_ids=transcript_ids, codes=codes or None,
                                   min_score=min_score, max_score=max_score)
        for segment_id, code, _score, tid in rows:
            result.decided += 1
            result.per_code[code] += 1
            result.per_transcript[names[tid]] += 1
        if not dry_run:  # one undoable action, audited per coding
            decide_many(s, [Decision(segment_id, code, status) for segment_id, code, _, _ in rows], coder)
        if progress:
            progress(len(rows), len(rows), "")
    return result
