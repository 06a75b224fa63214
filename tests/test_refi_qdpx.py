"""REFI-QDA project exchange (.qdpx) on a project built with the real pipeline.

Sample DOCX -> import -> pre-tag (Finnish pipeline) -> two coders accept suggestions, one adds a
sub-code of a newer codebook version, memos -> export -> validate with the official schema ->
import into an empty database -> the same codings by the same coders at the same offsets, the
same attributes, speakers, memos and codebook versions -> export again: the same bytes.
"""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode.cli import main
from qualcode.codebook import load_codebook, parse_codebook
from qualcode.comparison import adjudicate
from qualcode.importing import import_files
from qualcode.pretag import pretag
from qualcode.refi import guids, read_qdpx, write_qdpx
from qualcode.refi.common import PROJECT_NS
from qualcode.review import accept, add_code, reject
from qualcode.store import make_engine, transaction
from qualcode.store.codebooks import current_version, record_version
from qualcode.store.models import (
    ADJUDICATED,
    CodebookVersion,
    Coding,
    Memo,
    Participant,
    Segment,
    Suggestion,
    Transcript,
    Turn,
)

from .conftest import CODEBOOK, TRANSCRIPTS
from .refi_helpers import FOREIGN_TEXT, INLINE_TEXT, assert_valid, foreign_positions, foreign_qdpx, \
    hierarchy_codebook_yaml, official_schema

pytestmark = pytest.mark.slow
NS = {"q": PROJECT_NS}
CODED = ("gig_platform_workers", "mgmt_user_company", "ohs_group")


@pytest.fixture(scope="module")
def project(tmp_path_factory, nlp):
    """A project made the way researchers make one, exported once."""
    base = tmp_path_factory.mktemp("refi_project")
    url = f"sqlite:///{base / 'project.db'}"
    engine = make_engine(url)
    reports = import_files(engine, sorted(TRANSCRIPTS.glob("*.docx")))
    assert all(r.ok for r in reports)
    book, text = load_codebook(CODEBOOK)
    pretag(engine, book, text, nlp=nlp)
    with transaction(engine) as s:
        rows = s.execute(select(Transcript.name, Segment.id, Suggestion.code)
                         .join(Segment, Suggestion.segment_id == Segment.id)
                         .join(Transcript, Segment.transcript_id == Transcript.id)
                         .where(Transcript.name.in_(CODED))
                         .order_by(Transcript.name, Segment.index, Suggestion.code)).all()
    per = {name: [(sid, code) for n, sid, code in rows if n == name] for name in CODED}
    rejected = []
    for name, items in per.items():
        assert len(items) >= 12, f"too few suggestions in {name}"
        for i, (sid, code) in enumerate(items[:12]):
            accept(engine, sid, code, "anna")
            if i % 2 == 0:
                accept(engine, sid, code, "ville")  # the same code on the same segment: agreement
        for sid, code in items[12:15]:
            accept(engine, sid, code, "ville")
        reject(engine, items[15][0], items[15][1], "anna")
        rejected.append((items[15][0], items[15][1], "anna"))
    # A newer codebook version with sub-codes is applied; a coder uses a grandchild code by hand.
    hier_text = hierarchy_codebook_yaml()
    hier = parse_codebook(hier_text, "hierarchy")
    with transaction(engine) as s:
        record_version(s, hier, hier_text, source_path="codebooks/hierarchy.yaml")
    grandchild = f"{hier.codes[0].id}_refi_grandchild"
    first_sid = per["mgmt_user_company"][0][0]
    add_code(engine, first_sid, grandchild, "ville")
    adjudicate(engine, first_sid, [per["mgmt_user_company"][0][1]], "Tutkija T")
    with transaction(engine) as s:
        coding = s.scalar(select(Coding).where(Coding.segment_id == first_sid, Coding.coder == "anna"))
        coding.note = "Selvä esimerkki: neuvot & vinkit <tiimissä>."
        seg = s.get(Segment, per["ohs_group"][1][0])
        ohs_id = seg.transcript_id
        s.add_all([
            Memo(transcript_id=seg.transcript_id, segment_id=seg.id, coder="anna", text="Tärkeä kohta."),
            Memo(transcript_id=seg.transcript_id, coder="ville", text="Sitaatti raporttiin",
                 anchor_start=seg.start + 1, anchor_end=seg.end - 1),
            Memo(transcript_id=seg.transcript_id, coder="anna", text="Koko ryhmähaastattelun muistio.\nToinen rivi."),
            Memo(transcript_id=seg.transcript_id, coder="anna", text="Koko ryhmähaastattelun muistio.\nToinen rivi."),
            Memo(transcript_id=seg.transcript_id, coder="Tutkija T", text="Kommentti Wordissa", origin="docx_comment",
                 anchor_start=seg.start, anchor_end=seg.start + 5),
        ])
    path = base / "peer_support.qdpx"
    summary = write_qdpx(engine, path)
    return SimpleNamespace(base=base, url=url, engine=engine, path=path, data=path.read_bytes(), summary=summary,
                           rejected=rejected, grandchild=grandchild, hier=hier, ohs_id=ohs_id)


def snapshot(engine):
    """What must survive the exchange, keyed by names and offsets (never database ids)."""
    with transaction(engine) as s:
        codings = {(t, st, en, c.code, c.coder, c.note) for c, t, st, en in s.execute(
            select(Coding, Transcript.name, Segment.start, Segment.end)
            .join(Segment, Coding.segment_id == Segment.id).join(Transcript, Segment.transcript_id == Transcript.id)
            .where(Coding.status == "accepted"))}
        attrs = {t.name: t.attribute_map() for t in s.scalars(select(Transcript))}
        people = {(t, p.label, frozenset(p.attribute_map().items()))
                  for p, t in s.execute(select(Participant, Transcript.name).join(Transcript))}
        memos = sorted((t, m.coder, m.text, m.origin, m.anchor_start if m.anchor_start is not None else seg_start,
                        m.anchor_end if m.anchor_end is not None else seg_end)
                       for m, t, seg_start, seg_end in s.execute(
                           select(Memo, Transcript.name, Segment.start, Segment.end)
                           .join(Transcript, Memo.transcript_id == Transcript.id)
                           .outerjoin(Segment, Memo.segment_id == Segment.id)))
        turns = {(t, tr.speaker, tr.start, tr.end, tr.timestamp)
                 for tr, t in s.execute(select(Turn, Transcript.name).join(Transcript))}
        texts = {t.name: t.text for t in s.scalars(select(Transcript))}
        segments = {(t, sg.start, sg.end) for sg, t in s.execute(select(Segment, Transcript.name).join(Transcript))}
        books = [(b.name, b.version, b.yaml_text, b.is_current)
                 for b in s.scalars(select(CodebookVersion).order_by(CodebookVersion.version))]
    return SimpleNamespace(codings=codings, attrs=attrs, people=people, memos=memos, turns=turns, texts=texts,
                           segments=segments, books=books)


def test_export_validates_and_holds_the_project(project):
    with zipfile.ZipFile(project.path) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])
        root = assert_valid(official_schema("Project-mrt2019.xsd"), zf.read("project.qde"))
        files = {n: zf.read(n) for n in names[1:]}
    original = snapshot(project.engine)
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    assert {"anna", "ville", ADJUDICATED, "Tutkija T"} <= set(users.values())
    codes = {c.get("guid"): c for c in root.iter(f"{{{PROJECT_NS}}}Code")}
    code_id = {g: el.find("q:Description", NS).text.rsplit("qualcode id: ", 1)[1] for g, el in codes.items()}
    # The codebook in use, with its hierarchy nested.
    grand = codes[guids.code_guid(project.hier.name, project.grandchild)]
    assert grand.getparent().getparent().getparent().tag == f"{{{PROJECT_NS}}}Codes"
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == len(original.texts) == 6
    exported = set()
    for src in sources:
        name = src.get("name")
        text = original.texts[name]
        data = files[f"sources/{src.get('plainTextPath').removeprefix('internal://')}"]
        assert not data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8") == text
        pairs = set()
        for sel in src.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            coder = users[sel.get("creatingUser")]
            for c in sel.iterfind("q:Coding", NS):
                assert users[c.get("creatingUser")] == coder
                note = c.find("q:NoteRef", NS)
                note_text = root.find(f"q:Notes/q:Note[@guid='{note.get('targetGUID')}']/q:PlainTextContent",
                                      NS).text if note is not None else None
                exported.add((name, start, end, code_id[c.find("q:CodeRef", NS).get("targetGUID")], coder, note_text))
            if sel.find("q:Coding", NS) is not None:
                assert (start, end, coder) not in pairs, "one selection per segment and coder"
                pairs.add((start, end, coder))
        values = {}
        for vv in src.iterfind("q:VariableValue", NS):
            var = root.find(f"q:Variables/q:Variable[@guid='{vv.find('q:VariableRef', NS).get('targetGUID')}']", NS)
            values[var.get("name")] = vv[1].text if len(vv) > 1 else ""
        assert values == original.attrs[name]
        case = root.find(f"q:Cases/q:Case[@name='{name}']", NS)
        assert case.find("q:SourceRef", NS).get("targetGUID") == src.get("guid")
        assert len(case.findall("q:VariableValue", NS)) == len(original.attrs[name])
    assert exported == original.codings  # every accepted coding, at its segment's offsets, by its coder
    for sid, code, coder in project.rejected:
        with transaction(project.engine) as s:
            seg = s.get(Segment, sid)
            assert not any(e[1:5] == (seg.start, seg.end, code, coder) for e in exported)
    notes = {n.find("q:PlainTextContent", NS).text: n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert "Tärkeä kohta." in notes and "Kommentti Wordissa" in notes
    assert notes["Kommentti Wordissa"].find("q:Description", NS).text == "Comment in the DOCX file."
    book_notes = [n.get("name") for n in root.iterfind("q:Notes/q:Note", NS)
                  if n.get("name", "").startswith("qualcode codebook")]
    base = load_codebook(CODEBOOK)[0]
    assert book_notes == [f"qualcode codebook {base.name} {base.version}",
                          f"qualcode codebook {project.hier.name} {project.hier.version}"]
    assert project.summary.codings == len(original.codings) and project.summary.memos == 5


def test_export_is_deterministic_and_atomic(project, tmp_path):
    again = tmp_path / "peer_support.qdpx"
    r = CliRunner().invoke(main, ["--db", project.url, "export", "--format", "qdpx", "-o", str(again)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "not in the REFI-QDA file: rejected decisions" in r.output
    assert again.read_bytes() == project.data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["peer_support.qdpx"]


def test_round_trip_into_an_empty_database(project, tmp_path, nlp):
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    r = CliRunner().invoke(main, ["--db", url, "import", "--format", "qdpx", str(project.path)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "transcripts: 6 new" in r.output and "memos: 5 new" in r.output
    copy, original = snapshot(make_engine(url)), snapshot(project.engine)
    assert copy.codings == original.codings  # same codings, coders, offsets and notes
    assert copy.attrs == original.attrs
    assert copy.people == original.people
    assert copy.memos == original.memos
    assert copy.texts == original.texts
    assert copy.turns == original.turns
    # Coded transcripts are segmented on import exactly as `qualcode tag` segmented them.
    coded = {c[0] for c in original.codings}
    assert coded == set(CODED)
    assert {s for s in copy.segments} == {s for s in original.segments if s[0] in coded}
    assert copy.books == original.books  # every codebook version, the same one in use
    with transaction(make_engine(url)) as s:
        assert current_version(s).version == project.hier.version
        interviewer = {(t, tr.speaker) for tr, t in s.execute(select(Turn, Transcript.name).join(Transcript))
                       if tr.role == "interviewer"}
    with transaction(project.engine) as s:
        attr = {t.name: t.attribute_map().get("interviewer") for t in s.scalars(select(Transcript))}
    assert interviewer == {(t, who) for t, who in attr.items()}  # the interviewer's turns stay theirs
    # The same data exports to the same bytes.
    back = write_qdpx(make_engine(url), tmp_path / "peer_support.qdpx")
    assert (tmp_path / "peer_support.qdpx").read_bytes() == project.data
    assert back.codings == project.summary.codings

    # Importing the same file again adds nothing.
    report = read_qdpx(make_engine(url), project.path, nlp=nlp)
    assert sum(report.codings.values()) == 0 and report.codings_present == len(original.codings)
    assert report.memos == 0 and report.memos_present == 5 and report.matched and not report.new
    assert snapshot(make_engine(url)).codings == original.codings


def test_import_into_the_project_it_came_from_matches_existing_segments(project, nlp):
    before = snapshot(project.engine)
    report = read_qdpx(project.engine, project.path, nlp=nlp)
    assert report.segments == 0 and len(report.matched) == 6
    assert sum(report.codings.values()) == 0 and report.codings_present == len(before.codings)
    assert snapshot(project.engine).segments == before.segments


def test_project_from_another_tool(tmp_path, nlp):
    engine = make_engine(f"sqlite:///{tmp_path / 'foreign.db'}")
    report = read_qdpx(engine, foreign_qdpx(tmp_path / "nvivo.qdpx"), nlp=nlp)
    text = str(report)
    assert "transcripts: 2 new" in text
    for skipped in ("PictureSource", "whole sources", "sets of", "cases that group selections",
                    "notes not attached", "selections with neither codes nor notes"):
        assert skipped in text
    pos = foreign_positions()
    with transaction(engine) as s:
        t = s.scalar(select(Transcript).where(Transcript.name == "Haastattelu 7.docx"))
        assert t.text == FOREIGN_TEXT and t.attribute_map() == {"stakeholder": "management", "date": "2025-05-02"}
        roles = [(tr.speaker, tr.role) for tr in t.turns]
        assert roles == [("H", "interviewer"), ("V", "participant"), ("H", "interviewer"), ("V", "participant")]
        got = {(st, en, c.code, c.coder) for c, st, en in s.execute(
            select(Coding, Segment.start, Segment.end).join(Segment).where(Segment.transcript_id == t.id))}
        assert got == {(*pos["ask"], "kaytannollinen_apu", "Maija Meikäläinen"),
                       (*pos["ask"], "tuki", "Maija Meikäläinen"),
                       (*pos["wide"], "luottamus", "Pekka"), (*pos["wide"], "kaytannollinen_apu", "Pekka")}
        segs = [(sg.start, sg.end) for sg in s.scalars(select(Segment).where(Segment.transcript_id == t.id)
                                                       .order_by(Segment.index))]
        assert pos["ask"] in segs and pos["wide"] in segs and segs == sorted(segs, key=lambda x: (x[0], -x[1]))
        memos = {(m.coder, m.text, m.anchor_start, m.anchor_end) for m in s.scalars(select(Memo)
                                                                                     .where(Memo.transcript_id == t.id))}
        assert memos == {
            ("Pekka", "Huom: jakaminen", *pos["note"]),
            ("Pekka", "Tässä haastattelussa korostuu luottamus.", None, None),
            ("Maija Meikäläinen", "Vastaaja vähättelee kilpailua.", *pos["anchor"]),
            ("Pekka", "NVivo-muistio: laaja jakso.", *pos["wide"]),
            ("Maija Meikäläinen", "Litteroitu 2.5.2025", None, None),
        }
        inline = s.scalar(select(Transcript).where(Transcript.name == "Muistiinpano"))
        coded = s.execute(select(Segment.start, Segment.end, Coding.code).join(Coding)
                          .where(Segment.transcript_id == inline.id)).one()
        assert tuple(coded) == (*pos["inline"], "tunnetuki")
        assert inline.text == INLINE_TEXT
        row = current_version(s)
        book = parse_codebook(row.yaml_text, "imported")
        book_yaml = row.yaml_text
    assert book.name == "vertaistuki_nvivo"
    assert {c.id: c.parent for c in book.codes} == {"tuki": None, "kaytannollinen_apu": "tuki", "tunnetuki": "tuki",
                                                    "luottamus": None}
    # Tagging afterwards (with the imported codebook: a codebook that drops the codes these
    # codings use is refused) tags the imported segments and leaves segmentation alone.
    tag = pretag(engine, book, book_yaml, nlp=nlp)
    assert tag.transcripts_segmented == 0 and tag.segments_tagged > 0
