"""The library under the review app: decisions, undo, bulk accept, memos, progress, filters, pages,
comparison and adjudication, on a real tagged project database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qualcode import comparison, review
from qualcode.store import transaction
from qualcode.store.models import ADJUDICATED, AuditEntry, Coding, Memo

from .app_support import SAMPLES, codings, project, project_template, transcript_id  # noqa: F401


def pending(engine, tid, coder="anna"):
    data = review.load_review(engine, tid, coder)
    return [(seg.id, sg.code, sg.score) for seg in data.segments() for sg in seg.pending]


def first_per_segment(suggestions):
    """The first pending suggestion of each segment: for tests that need different segments."""
    firsts: dict[int, tuple] = {}
    for suggestion in suggestions:
        firsts.setdefault(suggestion[0], suggestion)
    return list(firsts.values())


def test_load_review_shows_every_turn_segment_and_suggestion(project):
    tid = transcript_id(project, SAMPLES[0])
    data = review.load_review(project, tid, "anna")
    segments = list(data.segments())
    assert data.name == SAMPLES[0] and data.attributes["stakeholder"] == "management"
    assert len(data.turns) > 50 and len(segments) > 150
    full = data.turns[0]
    for turn in data.turns:
        for seg in turn.segments:
            assert turn.start <= seg.start < seg.end <= turn.end and seg.speaker == turn.speaker
    assert [s.index for s in segments] == sorted(s.index for s in segments)
    suggested = [seg for seg in segments if seg.suggestions]
    assert suggested and all(seg.role != "interviewer" for seg in suggested)
    for seg in suggested:
        scores = [sg.score for sg in seg.suggestions]
        assert scores == sorted(scores, reverse=True)
        assert all(sg.reason and sg.decision is None for sg in seg.suggestions)
    assert full.speaker and full.text


def test_decisions_are_per_coder_and_audited(project):
    tid = transcript_id(project, SAMPLES[0])
    (s1, c1, _), (s2, c2, _) = pending(project, tid)[:2]
    with transaction(project) as s:  # the import and segmentation of the project are audited too
        first = (s.scalar(select(func.max(AuditEntry.id))) or 0) + 1
    review.accept(project, s1, c1, "anna")
    review.reject(project, s2, c2, "anna")
    review.add_code(project, s2, "trust", "anna")
    review.accept(project, s1, c1, "ben")
    assert codings(project, "anna") == {(s1, c1, "anna", "accepted", "suggested"),
                                         (s2, c2, "anna", "rejected", "suggested"),
                                         (s2, "trust", "anna", "accepted", "manual" if c2 != "trust" else "suggested")}
    assert codings(project, "ben") == {(s1, c1, "ben", "accepted", "suggested")}
    # Deciding the same again changes nothing and logs nothing.
    with transaction(project) as s:
        n_audit = len(s.scalars(select(AuditEntry).where(AuditEntry.id >= first)).all())
    review.accept(project, s1, c1, "anna")
    with transaction(project) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.id >= first).order_by(AuditEntry.id)).all()
    assert len(entries) == n_audit == 4
    assert [(e.who, e.action) for e in entries] == [("anna", "accepted"), ("anna", "rejected"),
                                                    ("anna", "accepted"), ("ben", "accepted")]
    assert entries[0].before is None and entries[0].after["status"] == "accepted"
    assert all(e.transcript_id == tid and e.at is not None for e in entries)
    anna = review.load_review(project, tid, "anna")
    seg1 = next(s for s in anna.segments() if s.id == s1)
    assert c1 in seg1.accepted and all(sg.code != c1 for sg in seg1.pending)
    assert seg1.others == {}, "blind: ben's codings stay hidden from anna"
    assert review.remove_code(project, s1, c1, "anna") is True
    assert review.remove_code(project, s1, c1, "anna") is False
    assert (s1, c1, "ben", "accepted", "suggested") in codings(project)


def test_refused_decisions_say_why(project):
    tid = transcript_id(project, SAMPLES[0])
    seg, code, _ = pending(project, tid)[0]
    with pytest.raises(review.DecisionError, match="coder name"):
        review.accept(project, seg, code, "  ")
    with pytest.raises(review.DecisionError, match="no segment with id 999999"):
        review.accept(project, 999999, code, "anna")
    with pytest.raises(review.DecisionError, match="choose a code"):
        review.add_code(project, seg, None, "anna")
    assert codings(project) == set()


def test_undo_restores_before_state_one_action_at_a_time(project):
    tid = transcript_id(project, SAMPLES[0])
    todo = pending(project, tid)
    (s1, c1, _), (s2, c2, _) = todo[:2]
    assert review.last_action(project, tid, "anna") is None
    assert review.undo(project, tid, "anna") == 0
    review.accept(project, s1, c1, "anna")
    review.reject(project, s1, c1, "anna")          # changed its mind
    review.add_code(project, s2, "competition", "anna")
    review.remove_code(project, s2, "competition", "anna")
    high = [t for t in todo if t[2] >= 0.7 and (t[0], t[1]) != (s1, c1)]
    n_bulk = review.accept_above(project, tid, "anna", 0.7)
    assert n_bulk == len(high) > 1
    last = review.last_action(project, tid, "anna")
    assert (last.action, last.count) == ("accepted", n_bulk)
    assert review.undo(project, tid, "anna") == n_bulk        # the bulk accept as a whole
    assert codings(project, "anna") == {(s1, c1, "anna", "rejected", "suggested")}
    assert review.undo(project, tid, "anna") == 1             # the removal: competition is back
    assert (s2, "competition", "anna", "accepted", "manual") in codings(project, "anna")
    assert review.last_action(project, tid, "anna").action == "accepted"
    review.undo(project, tid, "anna")                         # the add
    review.undo(project, tid, "anna")                         # reject -> accepted again
    assert codings(project, "anna") == {(s1, c1, "anna", "accepted", "suggested")}
    review.undo(project, tid, "anna")                         # the first accept
    assert codings(project, "anna") == set()
    assert review.undo(project, tid, "anna") == 0
    with transaction(project) as s:
        undos = s.scalars(select(AuditEntry).where(AuditEntry.action == "undo")).all()
    assert len(undos) == n_bulk + 4 and all(u.who == "anna" for u in undos)


def test_undo_is_per_person_and_transcript(project):
    t1, t2 = transcript_id(project, SAMPLES[0]), transcript_id(project, SAMPLES[1])
    a, b = pending(project, t1)[0], pending(project, t2)[0]
    review.accept(project, a[0], a[1], "anna")
    review.accept(project, b[0], b[1], "anna")
    review.accept(project, a[0], a[1], "ben")
    assert review.undo(project, t1, "anna") == 1
    assert codings(project) == {(b[0], b[1], "anna", "accepted", "suggested"),
                                (a[0], a[1], "ben", "accepted", "suggested")}


def test_accept_above_in_one_turn_only(project):
    tid = transcript_id(project, SAMPLES[1])
    data = review.load_review(project, tid, "anna")
    turn = next(t for t in data.turns if sum(len(s.pending) for s in t.segments) >= 1)
    expected = {(s.id, sg.code) for s in turn.segments for sg in s.pending if sg.score >= 0.5}
    assert review.accept_above(project, tid, "anna", 0.5, turn_index=turn.index) == len(expected)
    assert {(s, c) for s, c, *_ in codings(project, "anna")} == expected
    assert review.accept_above(project, tid, "anna", 0.5, turn_index=turn.index) == 0


def test_memos_on_segments_and_transcripts(project):
    tid = transcript_id(project, SAMPLES[0])
    seg = next(review.load_review(project, tid, "anna").segments())
    m1 = review.add_memo(project, tid, "anna", "  Tärkeä kohta: luottamus <b>  ", seg.id)
    review.add_memo(project, tid, "anna", "Koko haastattelu: hyvä esimerkki.")
    review.add_memo(project, tid, "ben", "Bens note")
    with pytest.raises(review.MemoError, match="empty"):
        review.add_memo(project, tid, "anna", "   ")
    with pytest.raises(review.MemoError, match="only they can change it"):
        review.delete_memo(project, m1, "ben")
    data = review.load_review(project, tid, "anna")
    first = next(data.segments())
    assert [m.text for m in first.memos] == ["Tärkeä kohta: luottamus <b>"]
    assert [m.text for m in data.memos] == ["Koko haastattelu: hyvä esimerkki."], "blind: ben's memo hidden"
    with transaction(project) as s:
        memo = s.get(Memo, m1)
        assert (memo.anchor_start, memo.anchor_end) == (seg.start, seg.end)
    review.update_memo(project, m1, "anna", "muutettu")
    review.delete_memo(project, m1, "anna")
    with transaction(project) as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "memo")
                                                  .order_by(AuditEntry.id))]
    assert actions == ["created", "created", "created", "updated", "deleted"]


def test_blind_mode_reveals_others_after_done(project):
    tid = transcript_id(project, SAMPLES[0])
    seg, code, _ = pending(project, tid)[0]
    review.accept(project, seg, code, "anna")

    def others(blind):
        data = review.load_review(project, tid, "ben", blind=blind)
        return next(s for s in data.segments() if s.id == seg).others

    assert others(True) == {}
    assert others(False) == {"anna": [code]}
    review.set_done(project, tid, "ben")
    assert others(True) == {"anna": [code]}
    review.set_done(project, tid, "ben", False)
    assert others(True) == {}


def test_filters_and_pages(project):
    tid = transcript_id(project, SAMPLES[1])
    data = review.load_review(project, tid, "anna")
    everything = review.filter_turns(data, review.ReviewFilter())
    assert [sl.turn.index for sl in everything] == [t.index for t in data.turns]
    waiting = review.filter_turns(data, review.ReviewFilter(pending_only=True))
    assert waiting and all(seg.pending for sl in waiting for seg in sl.segments)
    assert sum(len(sl.segments) for sl in waiting) == sum(1 for s in data.segments() if s.pending)
    speaker = data.speakers[-1]
    assert {sl.turn.speaker for sl in review.filter_turns(data, review.ReviewFilter(speaker=speaker))} == {speaker}
    code = next(sg.code for s in data.segments() for sg in s.suggestions)
    by_code = review.filter_turns(data, review.ReviewFilter(code=code))
    assert all(any(sg.code == code for sg in seg.suggestions) for sl in by_code for seg in sl.segments)

    pages = review.paginate(everything, 20)
    shown = [seg.id for page in pages for sl in page for seg in sl.segments]
    assert shown == [s.id for s in data.segments()], "every segment once, in order"
    assert all(sum(len(sl.segments) for sl in page) <= 20 for page in pages)
    for page in pages[1:]:
        first = page[0]
        assert first.continued == (first.segments[0].id != first.turn.segments[0].id)
    target = shown[-1]
    assert review.page_of(pages, target) == len(pages)


def test_paginate_splits_a_long_turn():
    turn = review.TurnView(0, "V", "participant", None, 0, 100, "")
    turn.segments = [review.SegmentView(i, i, i, i + 1, "x") for i in range(45)]
    pages = review.paginate([review.TurnSlice(turn, turn.segments)], 20)
    assert [len(p[0].segments) for p in pages] == [20, 20, 5]
    assert [p[0].continued for p in pages] == [False, True, True]


def test_transcript_table_counts_waiting_and_progress(project):
    t1 = transcript_id(project, SAMPLES[0])
    todo = pending(project, t1)
    review.accept(project, todo[0][0], todo[0][1], "anna")
    review.reject(project, todo[1][0], todo[1][1], "anna")
    review.add_code(project, todo[0][0], "resilience" if todo[0][1] != "resilience" else "trust", "anna")
    review.set_done(project, t1, "ben")
    rows, coders = review.transcript_table(project, "anna")
    row = {r["name"]: r for r in rows}[SAMPLES[0]]
    assert coders == ["anna", "ben"]
    assert row["suggestions"] == len(todo) and row["waiting"] == len(todo) - 2
    assert row["progress"]["anna"] == {"decided": 2, "codes": 2, "done": False}
    assert row["progress"]["ben"] == {"decided": 0, "codes": 0, "done": True}
    other = {r["name"]: r for r in rows}[SAMPLES[1]]
    assert other["waiting"] == other["suggestions"] > 0 and other["progress"] == {}


def test_compare_and_adjudicate(project):
    tid = transcript_id(project, SAMPLES[0])
    (s1, c1, _), (s2, c2, _), (s3, c3, _) = first_per_segment(pending(project, tid))[:3]
    for who in ("anna", "ben"):
        review.accept(project, s1, c1, who)            # agreed
    review.accept(project, s2, c2, "anna")             # only anna
    review.add_code(project, s3, "trust", "ben")       # only ben
    cmp = comparison.compare(project, tid)
    assert cmp.coders == ["anna", "ben"]
    by_seg = {sc.segment_id: sc for sc in cmp.segments}
    assert not by_seg[s1].differs and by_seg[s1].agreed == {c1}
    assert by_seg[s2].differs and by_seg[s2].by_coder == {"anna": {c2}, "ben": set()}
    assert {sc.segment_id for sc in cmp.disagreements} == {s2, s3} == {sc.segment_id for sc in cmp.open}

    comparison.adjudicate(project, s2, [c2], "carla", considered=[c2])
    comparison.adjudicate(project, s3, [], "carla", considered=["trust"])
    assert comparison.adopt_agreed(project, tid, "carla") == 1
    assert comparison.adopt_agreed(project, tid, "carla") == 0
    agreed = {(s, c, st) for s, c, who, st, _ in codings(project, ADJUDICATED)}
    assert agreed == {(s1, c1, "accepted"), (s2, c2, "accepted"), (s3, "trust", "rejected")}
    cmp = comparison.compare(project, tid)
    assert cmp.open == [] and {sc.segment_id: sc.adjudicated for sc in cmp.segments}[s3] == set()
    with transaction(project) as s:
        who = {e.who for e in s.scalars(select(AuditEntry).where(AuditEntry.after["coder"].as_string() == ADJUDICATED))}
    assert who == {"carla"}
    # The adjudicator's last action can be undone like any other.
    assert review.undo(project, tid, "carla") == 1
    with transaction(project) as s:
        assert s.scalar(select(Coding).where(Coding.segment_id == s1, Coding.coder == ADJUDICATED)) is None
    with pytest.raises(review.DecisionError, match="adjudicator"):
        comparison.adjudicate(project, s2, [c2], "")


def test_reserved_names_are_refused(project):
    tid = transcript_id(project, SAMPLES[0])
    seg, code, _ = pending(project, tid)[0]
    with pytest.raises(review.DecisionError, match="reserved"):
        review.accept(project, seg, code, ADJUDICATED)
    assert codings(project) == set()


def test_learning_hook_runs_after_app_decisions_and_never_blocks_them(project, monkeypatch):
    """The app's decision callbacks let the tagger learn (``tagging.learning.maybe_retrain``, in the
    background); library calls do not retrain by themselves; a failing hook loses nothing."""
    from qualcode.tagging import learning
    from qualcode.ui.actions import FAILED, learn_from

    tid = transcript_id(project, SAMPLES[0])
    (s1, c1, _), (s2, c2, _) = pending(project, tid)[:2]
    calls = []

    def maybe_retrain(engine, *args, **kwargs):
        calls.append(engine.url.database)
        raise RuntimeError("training failed")

    monkeypatch.setattr(learning, "maybe_retrain", maybe_retrain)
    review.accept(project, s1, c1, "anna")
    review.wait_for_learning()
    assert calls == []  # a library call decides nothing about retraining
    assert learn_from(review.reject, project, s2, c2, "anna") is not FAILED
    review.wait_for_learning()
    assert calls == [project.url.database]
    assert {(s, c, st) for s, c, _, st, _ in codings(project)} == {(s1, c1, "accepted"), (s2, c2, "rejected")}