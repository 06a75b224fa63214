"""The NLP work of tagging, the same in this process and in forked worker processes.

``pretag`` reads and writes the database; this module parses turns, cuts sentences and
suggests codes, in this process (jobs=1) or in ``jobs`` processes forked from it, which
inherit the loaded pipeline and tagger instead of loading them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from .segments import sentence_spans
from .tagging import Tagger


@dataclass
class _Piece:
    """One sentence found in a turn, with its suggestions (None: not tagged, e.g. interviewer)."""

    start: int  # offsets into the turn's text
    end: int
    suggestions: list | None


_WORKER_TAGGER: Tagger | None = None


def _segment_turns(tagger: Tagger, texts: list[str], tag: list[bool], batch_size: int = 32) -> list[list[_Piece]]:
    """Parse turns (one nlp.pipe pass), cut sentences, tag those of turns marked ``tag``."""
    spans_per_turn = []
    for doc in tagger.nlp.pipe(texts, batch_size=batch_size):
        spans_per_turn.append(sentence_spans(doc))
    to_tag = [sp for spans, t in zip(spans_per_turn, tag) if t for sp in spans]
    suggested = iter(tagger.suggest_many(to_tag)) if to_tag else iter(())
    out = []
    for spans, t in zip(spans_per_turn, tag):
        out.append([_Piece(sp.start_char, sp.end_char, next(suggested) if t else None) for sp in spans])
    return out


def _tag_texts(tagger: Tagger, texts: list[str]) -> list[list]:
    return list(tagger.suggest_texts(texts))


def _worker_segment(args):
    return _segment_turns(_WORKER_TAGGER, *args)


def _worker_tag(texts):
    return _tag_texts(_WORKER_TAGGER, texts)


class Runner:
    """Runs the NLP work here (jobs=1) or in ``jobs`` forked processes that share the loaded tagger."""

    def __init__(self, tagger: Tagger, jobs: int) -> None:
        self.tagger = tagger
        self.jobs = max(1, jobs)
        self.pool = None
        if self.jobs > 1:
            import multiprocessing as mp

            global _WORKER_TAGGER
            _WORKER_TAGGER = tagger  # inherited by fork: the pipeline is not loaded again
            method = "fork" if "fork" in mp.get_all_start_methods() else None
            if method is None:
                self.jobs = 1
            else:
                self.pool = mp.get_context(method).Pool(self.jobs)

    def segment(self, work):
        if self.pool is None:
            return (_segment_turns(self.tagger, *w) for w in work)
        return self.pool.imap(_worker_segment, work)

    def tag(self, batches):
        if self.pool is None:
            return (_tag_texts(self.tagger, b) for b in batches)
        return self.pool.imap(_worker_tag, batches)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
