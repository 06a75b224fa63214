"""`qualcode codebook apply`: codings follow renames, merges, splits and retirements, in one transaction.

Real SQLite files; the project's segments are built directly (no parser needed: these tests
are about codings, the re-tagging tests use the real pipeline).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from qualcode.cli import main
from qualcode.codebook import CodebookError, parse_codebook
from qualcode.codebook.migrate import apply_codebook
from qualcode.codebook.overview import codebook_overview, version_history
from qualcode.review import accept, reject, transcript_view
from qualcode.store import audit, transaction
from qualcode.store import codebooks as store
from qualcode.store.models import AuditEntry, Coding, CodebookVersion, CodingMigration, SegmentTagging, Suggestion

from .codebook_support import V100, base, bump, code, make_project, migration_variant, write


def start(engine) -> list[int]:
    """A project on version 1.0.0 with codings of two coders; returns the participant segment ids."""
    segs = make_project(engine, {"t1": [f"Lause numero {i}." for i in range(10)]})["t1"]
    with transaction(engine) as s:
        store.record_version(s, parse_codebook(V100.read_text(encoding="utf-8")), V100.read_text(encoding="utf-8"))
    for i in range(3):
        accept(engine, segs[i], "trust", "anna")
    reject(engine, segs[0], "trust", "ville")
    accept(engine, segs[3], "emotional_support", "anna")  # same segment, same coder: folds
    accept(engine, segs[3], "social_support", "anna")
    accept(engine, segs[4], "emotional_support", "ville")  # accepted + rejected: stays accepted
    reject(engine, segs[4], "social_support", "ville")
    reject(engine, segs[5], "emotional_support", "anna")  # rejected first, then accepted part: flagged
    accept(engine, segs[5], "social_support", "anna")
    accept(engine, segs[6], "practical_support", "anna")
    reject(engine, segs[6], "practical_support", "ville")
    accept(engine, segs[7], "competition", "anna")
    accept(engine, segs[8], "resilience", "anna")
    return segs


def codings(engine) -> dict[int, tuple]:
    with transaction(engine) as s:
        return {c.id: (c.segment_id, c.code, c.coder, c.status, c.needs_review, c.codebook_version_id)
                for c in s.scalars(select(Coding))}


def counts(engine) -> dict[str, int]:
    with transaction(engine) as s:
        return {
            "versions": s.scalar(select(func.count()).select_from(CodebookVersion)),
            "migrations": s.scalar(select(func.count()).select_from(CodingMigration)),
            "audit": s.scalar(select(func.count()).select_from(AuditEntry)),
            "current": store.current_version(s).version,
        }


def apply(engine, tmp_path, data, **kw):
    path = write(tmp_path, f"cb_{data['version']}.yaml", data)
    text = path.read_text(encoding="utf-8")
    return apply_codebook(engine, parse_codebook(text, str(path)), text, source_path=str(path), who="lead",
                          retag=False, **kw)


def test_dry_run_previews_and_writes_nothing(engine, tmp_path):
    start(engine)
    before, state = codings(engine), counts(engine)
    report = apply(engine, tmp_path, migration_variant(), dry_run=True)
    plan = report.plan
    assert codings(engine) == before and counts(engine) == state
    assert plan.fates["trust"].kind == "renamed" and plan.fates["trust"].target == "interpersonal_trust"
    assert plan.fates["practical_support"].kind == "split" and plan.fates["competition"].kind == "retired"
    text = "\n".join(report.lines())
    assert "renamed  trust → interpersonal_trust: 4 codings move" in text
    assert "split    practical_support → advice, covering_shifts: 1 accepted codings flagged for review" in text
    assert "dry run: nothing was written" in text


def test_rename_merge_split_retire_keep_every_coding(engine, tmp_path):
    start(engine)
    before = codings(engine)
    v100 = counts(engine)
    report = apply(engine, tmp_path, migration_variant())
    after = codings(engine)
    plan = report.plan

    # Counts: every coding is still there, or folded into an identical one (and logged).
    assert len(before) == 14 and plan.folded == 3
    assert len(after) == len(before) - plan.folded
    assert sum(plan.before.values()) == sum(plan.after.values()) + plan.folded
    # Per meaning: the (segment, coder) pairs coded with the merged codes are exactly those coded with the new one.
    merged_before = {(seg, coder) for seg, c, coder, *_ in before.values()
                     if c in ("emotional_support", "social_support")}
    merged_after = {(seg, coder) for seg, c, coder, *_ in after.values() if c == "socio_emotional_support"}
    assert merged_before == merged_after
    by_code = {}
    for seg, c, coder, status, flag, _ in after.values():
        by_code.setdefault(c, []).append((seg, coder, status, flag))
    assert set(by_code) == {"interpersonal_trust", "socio_emotional_support", "practical_support", "competition",
                            "resilience"}
    assert len(by_code["interpersonal_trust"]) == 4
    assert len(by_code["competition"]) == 1  # retired: stays on old codings

    # Every coding keeps the version it was made under.
    for cid, row in after.items():
        assert row[5] == before[cid][5] and row[5] is not None

    # Split: only the accepted coding is flagged; fold with disagreement is flagged too.
    flagged = sorted((c, coder, status) for c, rows in by_code.items() for _, coder, status, flag in rows if flag)
    assert flagged == [("practical_support", "anna", "accepted"), ("socio_emotional_support", "anna", "accepted")]
    socio = {(seg, coder): status for seg, coder, status, _ in by_code["socio_emotional_support"]}
    assert set(socio.values()) == {"accepted"}

    with transaction(engine) as s:
        rows = list(s.scalars(select(CodingMigration).order_by(CodingMigration.id)))
        assert {r.kind for r in rows} == {"renamed", "merged", "folded", "split"}
        moved = next(r for r in rows if r.kind == "renamed")
        coding = s.get(Coding, moved.coding_id)
        assert coding.code == "interpersonal_trust" and store.original_code(s, coding) == "trust"
        assert moved.made_under_version_id == coding.codebook_version_id
        folded = [r for r in rows if r.kind == "folded"]
        assert all(s.get(Coding, r.coding_id) is None and r.snapshot["code"] in ("social_support",
                                                                                  "emotional_support")
                   for r in folded)
        assert all(s.get(Coding, r.into_coding_id).code == "socio_emotional_support" for r in folded)
        assert [e.action for e in audit.history(s, who="lead")].count("applied") == 1
        assert store.current_version(s).version == "1.1.0"
        notes = store.migration_notes(s, [r.coding_id for r in rows if r.kind == "split"])
        assert "choose the code that fits" in next(iter(notes.values()))
    state = counts(engine)
    assert state["versions"] == v100["versions"] + 1 and state["migrations"] == len(rows)

    # Applying the same version again changes nothing.
    again = apply(engine, tmp_path, migration_variant())
    assert again.plan.already_current and codings(engine) == after and counts(engine)["audit"] == state["audit"]


def test_overview_shows_retired_and_version_history(engine, tmp_path):
    start(engine)
    apply(engine, tmp_path, migration_variant())
    view = codebook_overview(engine)
    entries = {e.id: e for e in view.entries}
    assert entries["competition"].status == "retired" and entries["competition"].usage["accepted"] == 1
    assert entries["interpersonal_trust"].usage["accepted"] == 3 and entries["interpersonal_trust"].usage[
        "rejected"] == 1
    assert entries["practical_support"].usage["needs_review"] == 1
    assert [e.depth for e in view.entries if e.id in ("advice", "covering_shifts")] == [1, 1]
    history = version_history(engine)
    assert [v["version"] for v in history["versions"]] == ["1.0.0", "1.1.0"]
    assert history["versions"][1]["migrated"] == {"renamed": 4, "merged": 3, "folded": 3, "split": 1}
    t1 = history["transcripts"][0]
    assert t1["codings"] == {"1.0.0": 11}  # 14 codings, 3 folded
    # The review still shows the coder's decisions under their new ids.
    _, turns = transcript_view(engine, _transcript_id(engine), "anna")
    accepted = {c for t in turns for seg in t.segments for c in seg.accepted}
    assert {"interpersonal_trust", "socio_emotional_support", "competition"} <= accepted


def _transcript_id(engine) -> int:
    with transaction(engine) as s:
        from qualcode.store.models import Transcript

        return s.scalar(select(Transcript.id))


def test_split_code_removed_from_the_file_keeps_its_codings(engine, tmp_path):
    start(engine)
    data = migration_variant()
    data["codes"] = [c for c in data["codes"] if c["id"] != "practical_support"]
    for c in data["codes"]:
        if c.get("parent") == "practical_support":
            del c["parent"]
    apply(engine, tmp_path, data)
    rows = codings(engine).values()
    practical = [r for r in rows if r[1] == "practical_support"]
    assert len(practical) == 2 and [r[4] for r in practical if r[3] == "accepted"] == [True]
    dropped = {e.id: e for e in codebook_overview(engine).entries}["practical_support"]
    assert dropped.status == "dropped" and dropped.label == ("Käytännöllinen tuki", "Practical support")


def test_orphaning_version_is_refused_and_nothing_changes(engine, tmp_path):
    start(engine)
    before, state = codings(engine), counts(engine)
    data = bump(base(), "1.1.0")
    data["codes"] = [c for c in data["codes"] if c["id"] != "competition"]
    preview = apply(engine, tmp_path, data, dry_run=True)
    assert preview.plan.blocking and "1 codings use 'competition'" in preview.plan.blocking[0]
    with pytest.raises(CodebookError, match="not applied, nothing was changed"):
        apply(engine, tmp_path, data)
    assert codings(engine) == before and counts(engine) == state
    # `qualcode tag` with such a version is refused too (it would orphan the codings).
    path = write(tmp_path, "orphan.yaml", data)
    r = CliRunner().invoke(main, ["--db", str(engine.url), "tag", "--codebook", str(path)])
    assert r.exit_code == 1 and "qualcode codebook apply" in r.output
    r = CliRunner().invoke(main, ["--db", str(engine.url), "codebook", "apply", "--dry-run", str(path)])
    assert r.exit_code == 1 and "would be orphaned" in r.output


def test_older_version_and_edited_version_are_refused(engine, tmp_path):
    start(engine)
    apply(engine, tmp_path, migration_variant())
    with pytest.raises(CodebookError, match="older than 1.1.0"):
        apply(engine, tmp_path, bump(base(), "1.0.5"))
    edited = migration_variant()
    code(edited, "resilience")["colour"] = "#000000"
    with pytest.raises(CodebookError, match="its version is still 1.1.0"):
        apply(engine, tmp_path, edited)


def test_a_failure_midway_rolls_everything_back(engine, tmp_path, monkeypatch):
    start(engine)
    before, state = codings(engine), counts(engine)
    calls = {"n": 0}
    real = store.audit.log

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store.audit, "log", failing)
    with pytest.raises(RuntimeError):
        apply(engine, tmp_path, migration_variant())
    monkeypatch.undo()
    assert calls["n"] == 5
    assert codings(engine) == before and counts(engine) == state


def test_suggestions_of_unchanged_codes_are_carried_over_without_the_pipeline(engine, tmp_path):
    segs = make_project(engine, {"t1": [f"Lause {i}." for i in range(6)]})["t1"]
    text = V100.read_text(encoding="utf-8")
    with transaction(engine) as s:
        vid = store.record_version(s, parse_codebook(text), text).id
        for i, seg in enumerate(segs):
            s.add(SegmentTagging(segment_id=seg, codebook_version_id=vid))
            for c in (["trust"] if i % 2 else ["trust", "resilience"]) if i < 4 else []:
                s.add(Suggestion(segment_id=seg, codebook_version_id=vid, code=c, score=0.6, source="rule",
                                 reason=f'rule "x" matched "{c}"', evidence=[]))
    accept(engine, segs[0], "trust", "anna")
    data = bump(base(), "1.0.1", "rename trust")
    code(data, "trust").update(id="luottamus", renamed_from=["trust"])
    path = write(tmp_path, "renamed.yaml", data)
    r = CliRunner().invoke(main, ["--db", str(engine.url), "codebook", "apply", str(path), "--coder", "lead"])
    assert r.exit_code == 0, r.output
    assert "unchanged, suggestions carried over under the new id: trust → luottamus" in r.output
    assert "re-tagged 0 of 0 segments" in r.output
    assert "changed the suggestions of 0 of 6 segments" in r.output
    with transaction(engine) as s:
        new = store.current_version(s).id
        rows = sorted((x.segment_id, x.code, x.score, x.reason) for x in s.scalars(
            select(Suggestion).where(Suggestion.codebook_version_id == new)))
        old = sorted((x.segment_id, "luottamus" if x.code == "trust" else x.code, x.score,
                      x.reason) for x in s.scalars(select(Suggestion).where(Suggestion.codebook_version_id == vid)))
        assert rows == old and len(rows) == 6
        assert s.scalar(select(func.count()).select_from(SegmentTagging).where(
            SegmentTagging.codebook_version_id == new)) == 6
    _, turns = transcript_view(engine, _transcript_id(engine), "anna")
    first = turns[1].segments[0]
    assert first.accepted == ["luottamus"] and [x.decision for x in first.suggestions] == ["accepted", None]


def test_cli_apply_json_and_versions(engine, tmp_path, db_url):
    start(engine)
    path = write(tmp_path, "v11.yaml", migration_variant())
    r = CliRunner().invoke(main, ["--db", db_url, "codebook", "apply", "--dry-run", "--json", str(path)])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    assert plan["dry_run"] and plan["codings_before"]["trust"] == 4 and plan["folded"] == 3
    r = CliRunner().invoke(main, ["--db", db_url, "codebook", "apply", "--no-retag", str(path)])
    assert r.exit_code == 0 and "merged   social_support → socio_emotional_support" in r.output
    r = CliRunner().invoke(main, ["--db", db_url, "codebook", "versions"])
    assert r.exit_code == 0 and "* peer_support 1.1.0" in r.output and "  peer_support 1.0.0" in r.output
