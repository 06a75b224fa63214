"""Re-tagging after a codebook change: only segments the change can affect, never a researcher's decision.

The tagging runs the real Finnish pipeline over a small project of real interview sentences.
"""

from __future__ import annotations

from sqlalchemy import select

from qualcode.codebook import parse_codebook
from qualcode.codebook.migrate import apply_codebook
from qualcode.codebook.retag import tagging_delta
from qualcode.pretag import pretag
from qualcode.review import accept, reject, transcript_view
from qualcode.store import transaction
from qualcode.store import codebooks as store
from qualcode.store.models import Coding, CodebookVersion, Suggestion, Transcript

from .codebook_support import SENTENCES, V100, base, bump, code, dump, make_project

LUOTAN = SENTENCES.index("Mä luotan meidän keikkalaisiin ihan täysin.")
JAKSAMINEN = SENTENCES.index("Jaksaminen on ollu välillä tosi koetuksella.")
ESIMIES = SENTENCES.index("Esimies soitti sille ja jutteli, ku toinen keikkalainen sano et se oli pahoillaan.")


def book(data: dict):
    return parse_codebook(dump(data))


def test_delta_says_which_codes_changed_and_how():
    old = book(base())
    same = tagging_delta(old, book(bump(base(), "1.0.1")))
    assert not same.changed and set(same.copy) == set(old.ids()) and not same.retag_all

    data = bump(base(), "1.0.1")
    code(data, "trust").update(id="luottamus", renamed_from=["trust"])
    code(data, "resilience")["threshold"] = 0.9  # raised: can only lose suggestions
    code(data, "competition")["status"] = "retired"
    code(data, "social_support")["patterns"].remove("porukka")
    data["codes"].append({"id": "quiet", "label": {"fi": "a", "en": "a"}, "definition": {"fi": "a", "en": "a"}})
    delta = tagging_delta(old, book(data))
    assert delta.copy["trust"] == "luottamus" and delta.successor["trust"] == "luottamus"
    assert delta.narrowed == {"resilience": "resilience", "social_support": "social_support"}
    assert delta.dropped == ["competition"] and not delta.retag_all  # "quiet" has nothing to suggest with
    assert delta.retag_codes == ["resilience", "social_support"]

    # "quiet" could not suggest in either version: nothing was dropped
    later = bump(data, "1.0.2")
    code(later, "resilience")["threshold"] = 0.95
    assert tagging_delta(book(data), book(later)).dropped == []

    for change in (lambda d: code(d, "trust")["patterns"].append("ihan uusi"),
                   lambda d: code(d, "trust")["exclude_patterns"].remove("itseluottamus"),
                   lambda d: code(d, "trust").update(threshold=0.3),
                   lambda d: code(d, "trust")["examples"].append("Uusi esimerkki."),
                   lambda d: d["tagging"].update(threshold=0.4)):
        data = bump(base(), "1.0.1")
        change(data)
        assert "trust" in tagging_delta(old, book(data)).widened

    data = bump(base(), "1.0.1")
    data["tagging"]["tag_interviewer"] = True
    assert tagging_delta(old, book(data)).interviewer_changed


def _project(engine, nlp):
    segs = make_project(engine, {"t1": SENTENCES, "t2": SENTENCES[:7]})
    text = V100.read_text(encoding="utf-8")
    pretag(engine, parse_codebook(text), text, nlp=nlp)
    return segs


def _suggestions(engine, version: str) -> dict[int, set[tuple]]:
    with transaction(engine) as s:
        vid = s.scalar(select(CodebookVersion.id).where(CodebookVersion.version == version))
        out: dict[int, set[tuple]] = {}
        for x in s.scalars(select(Suggestion).where(Suggestion.codebook_version_id == vid)):
            out.setdefault(x.segment_id, set()).add((x.code, round(x.score, 4), x.reason))
        return out


def _codings(engine) -> dict[int, tuple]:
    with transaction(engine) as s:
        return {c.id: (c.segment_id, c.code, c.coder, c.status, c.needs_review, c.codebook_version_id,
                       c.updated_at) for c in s.scalars(select(Coding))}


def _apply(engine, data, nlp, **kw):
    text = dump(data)
    return apply_codebook(engine, parse_codebook(text), text, who="lead", nlp=nlp, **kw)


def test_narrowed_code_retags_only_segments_that_had_it(engine, nlp):
    segs = _project(engine, nlp)["t1"]
    old = _suggestions(engine, "1.0.0")
    assert "trust" in {c for c, *_ in old[segs[LUOTAN]]}
    resilience = next(c for c in old[segs[JAKSAMINEN]] if c[0] == "resilience")
    accept(engine, segs[LUOTAN], "trust", "anna")
    reject(engine, segs[JAKSAMINEN], "resilience", "anna")
    before = _codings(engine)

    data = bump(base(), "1.0.1", "trust is suggested only when certain")
    code(data, "trust")["patterns"].remove("luottaa")
    code(data, "trust")["threshold"] = 1.0  # examples can still score "Mä luotan" highly: raise the bar too
    report = _apply(engine, data, nlp)

    with_trust = {seg for seg, rows in old.items() if any(c == "trust" for c, *_ in rows)}
    assert report.retag.candidates == report.retag.retagged == len(with_trust) == 2  # "Mä luotan" in t1 and t2
    new = _suggestions(engine, "1.0.1")
    for seg, rows in old.items():
        if seg not in with_trust:
            assert new.get(seg) == rows  # carried over unchanged
    assert "trust" not in {c for c, *_ in new.get(segs[LUOTAN], set())}
    assert resilience in new[segs[JAKSAMINEN]]
    assert report.suggestion_changes["segments_changed"] == 2 and report.suggestion_changes["suggestions_lost"] == 2
    assert report.tagging is None  # nothing else was left to tag

    # The researcher's decisions are exactly as they were.
    assert _codings(engine) == before
    with transaction(engine) as s:
        tid = s.scalar(select(Transcript.id).where(Transcript.name == "t1"))
    _, turns = transcript_view(engine, tid, "anna")
    views = {seg.id: seg for t in turns for seg in t.segments}
    assert views[segs[LUOTAN]].accepted == ["trust"]
    assert views[segs[JAKSAMINEN]].rejected == ["resilience"] and not views[segs[JAKSAMINEN]].pending


def test_new_code_retags_every_segment_but_changes_only_its_suggestions(engine, nlp):
    segs = _project(engine, nlp)["t1"]
    old = _suggestions(engine, "1.0.0")
    data = bump(base(), "1.1.0", "supervisor relations")
    data["codes"].append({"id": "supervisor_relations", "label": {"fi": "Esimiessuhteet", "en": "Supervisors"},
                          "definition": {"fi": "Suhteet esimiehiin.", "en": "Relations with supervisors."},
                          "patterns": ["esimies"]})
    report = _apply(engine, data, nlp)
    n_participant = len(SENTENCES) + 7
    assert report.retag.candidates == n_participant
    new = _suggestions(engine, "1.1.0")
    gained = {seg: new.get(seg, set()) - old.get(seg, set()) for seg in set(new) | set(old)}
    assert {seg for seg, rows in gained.items() if rows} == {segs[ESIMIES]}
    assert {c for c, *_ in gained[segs[ESIMIES]]} == {"supervisor_relations"}
    assert all(old[seg] <= new[seg] for seg in old)  # other codes' suggestions carried over as they were
    assert report.suggestion_changes == {"segments_compared": n_participant, "segments_changed": 1,
                                         "suggestions_gained": 1, "suggestions_lost": 0}


def test_interrupted_retag_is_completed_by_the_tagging_stage(engine, nlp):
    _project(engine, nlp)
    data = bump(base(), "1.0.1")
    code(data, "trust")["patterns"].remove("luottaa")
    report = _apply(engine, data, nlp, retag=False)
    assert report.plan.carry["segments_retag"] == 2
    with transaction(engine) as s:
        vid = store.current_version(s).id
        assert store.untagged_count(s, vid, False) == 2
    text = dump(data)
    done = pretag(engine, parse_codebook(text), text, nlp=nlp)
    assert done.segments_tagged == 2
    with transaction(engine) as s:
        assert store.untagged_count(s, vid, False) == 0
