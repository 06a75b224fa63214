"""The kept code-set counts (`store.set_counts`) give exactly what grouping the codings gives.

A random project is compared both ways (`code_sets(..., counted=False)` groups the codings in
SQL, the reference) for every grouping, unit and coder, after every kind of change: new, rejected,
deleted and renamed codings, bulk inserts, a deleted transcript, a turn given to another
speaker. Each time before a refresh (readers compute stale transcripts themselves) and after.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, insert, select, update

from qualcode.matrices import MatrixSpec, theme_matrix_full
from qualcode.store import make_engine, transaction
from qualcode.store import matrices as q
from qualcode.store import set_counts, set_triggers
from qualcode.store.models import (
    ADJUDICATED,
    CodeSetCount,
    Coding,
    Participant,
    ParticipantAttribute,
    Segment,
    Transcript,
    TranscriptAttribute,
    Turn,
)
from qualcode.store.schema import upgrade_to

from .matrices_data import build as build_mini

CODES = ["support", "practical", "advice", "emotional", "trust", "competition", "luottamus"]
CODERS = ["anna", "ville", ADJUDICATED]
BYS = ["stakeholder", "age_group", q.BY_TRANSCRIPT, q.BY_PARTICIPANT]


def _random_project(engine, seed: int = 3, n_transcripts: int = 6) -> None:
    rnd = random.Random(seed)
    with transaction(engine) as s:
        for t in range(n_transcripts):
            tr = Transcript(name=f"r{t}", source_file=f"r{t}.docx", content_hash=f"{t:064d}", text="x", word_count=1)
            tr.attributes = [TranscriptAttribute(key="stakeholder", value=["management", "gig_worker", "ohs"][t % 3])]
            people = [Participant(label="H", role="interviewer")]
            for k in range(1, 1 + rnd.randint(1, 3)):
                attrs = [ParticipantAttribute(key="age_group", value=rnd.choice(["18-34", "35-54"]))] if k % 2 else []
                people.append(Participant(label=f"P{k}", role="participant", attributes=attrs))
            tr.participants = people
            s.add(tr)
            s.flush()
            index = 0
            for i in range(rnd.randint(4, 9)):
                who = people[0] if i % 3 == 0 else rnd.choice(people[1:])
                turn = Turn(transcript_id=tr.id, participant_id=who.id, index=i, speaker=who.label, role=who.role,
                            start=0, end=1)
                s.add(turn)
                s.flush()
                for _ in range(rnd.randint(1, 4)):
                    seg = Segment(transcript_id=tr.id, turn_id=turn.id, index=index, start=0, end=1, text="x",
                                  role=who.role, word_count=rnd.randint(1, 20))
                    index += 1
                    s.add(seg)
                    s.flush()
                    for coder in CODERS:
                        for code in rnd.sample(CODES, rnd.choice([0, 0, 1, 1, 2, 3])):
                            s.add(Coding(segment_id=seg.id, code=code, coder=coder, origin="manual",
                                         status=rnd.choice(["accepted", "accepted", "rejected"])))


def _key(row):
    return tuple((x is None, x if x is not None else 0) for x in row)


def _assert_same(engine) -> None:
    """Every grouping, unit, per-row kind and coder: kept counts == the codings grouped in SQL."""
    combos = [(codes, by, unit, per, None, None) for codes in (sorted(CODES), ["advice", "trust", q.OTHER])
              for by in BYS for unit in ("segments", "turns") for per in ("group", "transcript", "participant")]
    combos += [(sorted(CODES), by, unit, per, ADJUDICATED, ids) for by in ("stakeholder", q.BY_PARTICIPANT)
               for unit in ("segments", "turns") for per in ("group", "participant") for ids in (None, (1, 2))]
    with transaction(engine) as s:
        for codes, by, unit, per, coder, ids in combos:
            f = q.UnitFilter(coder=coder, transcript_ids=ids)
            fast = q.code_sets(s, f, codes, by=by, unit=unit, per=per)
            slow = q.code_sets(s, f, codes, by=by, unit=unit, per=per, counted=False)
            assert sorted(fast, key=_key) == sorted(map(tuple, slow), key=_key), (codes, by, unit, per, coder, ids)
        for by in BYS:
            assert sorted(q.base_counts(s, by), key=_key) == sorted(
                map(tuple, q.base_counts(s, by, counted=False)), key=_key), by


def _stale(engine) -> set[int]:
    with transaction(engine) as s:
        return set_counts.stale(s)


def _check(engine, expect_stale: set[int] | None = None) -> None:
    if expect_stale is not None:
        assert _stale(engine) == expect_stale
    _assert_same(engine)  # stale transcripts computed by the reader
    set_counts.refresh(engine)
    assert _stale(engine) == set()
    _assert_same(engine)  # all from the table


def _segment_of(engine, transcript_id: int, role: str = "participant") -> int:
    with transaction(engine) as s:
        return s.scalar(select(Segment.id).where(Segment.transcript_id == transcript_id, Segment.role == role)
                        .order_by(Segment.id).limit(1))


def test_kept_counts_equal_grouping_the_codings_through_every_kind_of_change(engine):
    _random_project(engine)
    with transaction(engine) as s:
        assert set_counts.stale(s) == set(s.scalars(select(Transcript.id)))  # imports mark their transcripts
    _check(engine)

    seg = _segment_of(engine, 2)
    with transaction(engine) as s:  # a new accepted coding
        s.add(Coding(segment_id=seg, code="competition", coder="ville", origin="manual", status="accepted"))

    with transaction(engine) as s:  # accepted -> rejected, in transcript 3
        coding = s.scalars(select(Coding).join(Segment).where(Segment.transcript_id == 3,
                                                              Coding.status == "accepted")).first()
        coding.status = "rejected"

    with transaction(engine) as s:  # a deleted coding
        s.delete(s.scalars(select(Coding).join(Segment).where(Segment.transcript_id == 4)).first())
    _check(engine, {2, 3, 4})

    with transaction(engine) as s:  # a codebook rename, as one UPDATE over all transcripts
        s.execute(update(Coding).where(Coding.code == "competition").values(code="kilpailu"))
        renamed = set(s.scalars(select(Segment.transcript_id).join(Coding).where(Coding.code == "kilpailu")))
    assert renamed <= _stale(engine)

    interviewer_seg = _segment_of(engine, 5, "interviewer")
    with transaction(engine) as s:  # bulk insert, one of them on an interviewer turn (never counted)
        s.execute(insert(Coding), [
            {"segment_id": interviewer_seg, "code": "support", "coder": "anna", "origin": "manual",
             "status": "accepted", "version": 1},
            {"segment_id": _segment_of(engine, 1), "code": "advice", "coder": "anna", "origin": "manual",
             "status": "accepted", "version": 1}])
    assert {1, 5} | renamed == _stale(engine)
    _check(engine)

    with transaction(engine) as s:  # a turn given to another speaker
        turn = s.scalars(select(Turn).where(Turn.transcript_id == 6, Turn.role == "participant")).first()
        other = s.scalars(select(Participant).where(Participant.transcript_id == 6, Participant.role == "participant",
                                                     Participant.id != turn.participant_id)).first()
        turn.participant_id = other.id if other else None
    assert _stale(engine) == {6}

    with transaction(engine) as s:  # a deleted transcript takes its counts with it
        s.delete(s.get(Transcript, 2))
    _check(engine)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(CodeSetCount).where(CodeSetCount.transcript_id == 2)) == 0


def test_a_reader_sees_its_own_changes_before_any_refresh(engine):
    """Stale transcripts are computed by the reader, inside its own transaction."""
    seg_ids = build_mini(engine)
    set_counts.refresh(engine)
    with transaction(engine) as s:
        before = {r[2]: r[3] for r in set_counts.speaker_sets(s, set_counts.SEGMENT, "ville").rows()}
        s.add(Coding(segment_id=seg_ids[("g2", 1)], code="emotional", coder="ville", origin="manual",
                     status="accepted"))
        s.flush()
        after = {r[2]: r[3] for r in set_counts.speaker_sets(s, set_counts.SEGMENT, "ville").rows()}
    assert before == {"practical": 1, "trust": 1}
    assert after == {"practical": 1, f"emotional{set_counts.SEP}trust": 1}


def test_matrix_entry_points_refresh_the_counts(engine):
    seg_ids = build_mini(engine)
    assert _stale(engine)
    m = theme_matrix_full(engine, MatrixSpec(by="stakeholder"))
    assert _stale(engine) == set()
    assert int(m.counts.loc["trust", "total"]) == 4  # m1 s2, g1 s1 and s2 (luottamus), g2 s1
    with transaction(engine) as s:
        s.add(Coding(segment_id=seg_ids[("g2", 0)], code="trust", coder="anna", origin="manual", status="accepted"))
    m = theme_matrix_full(engine, MatrixSpec(by="stakeholder"))
    assert int(m.counts.loc["trust", "total"]) == 5 and _stale(engine) == set()


def _triggers(engine) -> set[str]:
    with engine.connect() as conn:
        return set_triggers.installed(conn)


def test_new_and_migrated_databases_get_the_triggers(backend_url, tmp_path):
    upgrade_to(backend_url, "0003_pseudonyms_coding_migration")
    old = make_engine(backend_url, create=False)
    build_mini(old)  # a project made before the counts existed
    upgrade_to(backend_url)
    engine = make_engine(backend_url)
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}") if engine.dialect.name == "sqlite" else None
    try:
        names = set(set_triggers.trigger_names(engine.dialect.name))
        assert names <= _triggers(engine)
        if fresh is not None:
            assert names <= _triggers(fresh)
        with transaction(engine) as s:  # every old transcript is stale until the first refresh
            assert set_counts.stale(s) == set(s.scalars(select(Transcript.id))) != set()
        _assert_same(engine)
        set_counts.refresh(engine)
        _assert_same(engine)
    finally:
        old.dispose()
        engine.dispose()
        if fresh is not None:
            fresh.dispose()


@pytest.mark.parametrize("coder", [None, "anna"])
def test_counts_hold_what_each_speaker_said_in_all(engine, coder):
    """Uncoded segments are counted for anyone only; the total per speaker is every segment."""
    build_mini(engine)
    set_counts.refresh(engine)
    with transaction(engine) as s:
        rows = set_counts.speaker_sets(s, set_counts.SEGMENT, coder, uncoded=True).rows()
        spoken = s.scalar(select(func.count()).select_from(Segment).where(Segment.role != "interviewer"))
    if coder is None:
        assert sum(r[3] for r in rows) == spoken
        assert any(r[2] == "" for r in rows)
    else:
        assert all(r[2] for r in rows)


def test_a_big_recount_shows_progress_in_the_cli(db_url):
    """After many transcripts change (here: 60 new ones), `qualcode matrix` recounts them first
    with a progress bar on stderr, and prints the same matrix as grouping the codings."""
    from click.testing import CliRunner

    from qualcode.cli import main
    from qualcode.matrices import BIG_REFRESH, stale_transcripts

    engine = make_engine(db_url)
    try:
        _random_project(engine, seed=5, n_transcripts=BIG_REFRESH + 10)
        assert stale_transcripts(engine) == BIG_REFRESH + 10
        calls = []
        with transaction(engine) as s:
            expected = q.code_sets(s, q.UnitFilter(), sorted(CODES), by="stakeholder", counted=False)
        result = CliRunner().invoke(main, ["--db", db_url, "matrix", "--by", "stakeholder", "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert "counting code sets" in result.stderr
        assert stale_transcripts(engine) == 0
        with transaction(engine) as s:
            got = q.code_sets(s, q.UnitFilter(), sorted(CODES), by="stakeholder")
        assert sorted(got, key=_key) == sorted(map(tuple, expected), key=_key)
        with transaction(engine) as s:  # progress reports every chunk of transcripts
            s.execute(update(Coding).where(Coding.code == "advice").values(code="neuvo"))
        set_counts.refresh(engine, lambda done, total, label="": calls.append((done, total)))
        assert calls and calls[-1][0] == calls[-1][1] and all(a <= b for a, b in calls)
    finally:
        engine.dispose()


def test_check_finds_counts_that_went_wrong_and_recount_mends_them(db_url):
    """If something bypasses the triggers (here: a trigger dropped, then a coding changed),
    `qualcode check` says so and `qualcode check --recount` puts the triggers back and recounts."""
    from click.testing import CliRunner

    from qualcode.cli import main
    from qualcode.store.integrity import check

    engine = make_engine(db_url)
    try:
        seg_ids = build_mini(engine)
        set_counts.refresh(engine)

        def about_counts() -> list[str]:  # (the hand-made fixture has other problems `check` also reports)
            return [p for p in check(engine).problems if "matrix counts" in p]

        assert about_counts() == []
        name = "codings_insert_stale_code_sets"
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                name = "codings_stale_code_sets"
                conn.exec_driver_sql(f"DROP TRIGGER {name} ON codings")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        with transaction(engine) as s:
            s.add(Coding(segment_id=seg_ids[("g2", 0)], code="trust", coder="anna", origin="manual",
                         status="accepted"))
        assert _stale(engine) == set()  # nobody marked g2
        problems = about_counts()
        assert any(name in p and "missing" in p for p in problems), problems
        assert any("differ from the codings in 1 transcript(s) (g2)" in p for p in problems), problems
        result = CliRunner().invoke(main, ["--db", db_url, "check", "--recount"])
        assert "recounted 3 transcripts" in result.output and "matrix counts" not in result.output, result.output
        assert about_counts() == [] and name in _triggers(engine)
        _assert_same(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("rows", ["transcripts", "participants"])
def test_framework_cells_rank_as_the_row_by_row_reference(engine, rows):
    """The vectorised framework (`quote_rank`) gives every cell the count and the quotes, in
    order, that ranking each unit in Python (`framework._rolled`, `_rank`) gives."""
    from collections import defaultdict

    from qualcode.matrices import MatrixSpec, build_framework, load_context
    from qualcode.matrices.framework import _rolled

    _random_project(engine, seed=11, n_transcripts=8)
    with transaction(engine) as s:
        spec = MatrixSpec(by="stakeholder")
        ctx = load_context(s, spec)
        fw = build_framework(s, spec, rows, quotes_per_cell=2)
        found = q.quote_rows(s, ctx.unit_filter)
    expected = defaultdict(list)
    for code, ranked in _rolled(ctx, found, set(fw.codes)).items():
        for r in ranked:
            expected[(r.transcript_id, r.participant_id if rows == "participants" else None, code)].append(r)
    got = {}
    with transaction(engine) as s:
        ids = {(t.name, p.label): (t.id, p.id) for t in s.scalars(select(Transcript)) for p in t.participants}
        names = {t.name: t.id for t in s.scalars(select(Transcript))}
    for row in fw.rows:
        tid, pid = ids[(row.transcript, row.speaker)] if rows == "participants" else (names[row.transcript], None)
        for code, cell in row.cells.items():
            if cell.count:
                got[(tid, pid, code)] = (cell.count, [x.segment_id for x in cell.quotes])
    assert got == {k: (len(v), [r.segment_id for r in v[:2]]) for k, v in expected.items()}
    assert len(got) > 20
