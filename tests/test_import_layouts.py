"""Speaker turns in every layout of issue 3, in DOCX files the tests write (python-docx or raw XML)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.importing import ImportRefused, read_transcript
from qualcode.transcript import masked

from .conftest import TRANSCRIPTS
from .test_import_docxmaker import p, para, r, word_transcript, write_docx


def turns_of(data):
    return [(t.speaker, t.role, data.text[t.start:t.end]) for t in data.turns]


def roles_of(data):
    return {pp.label: pp.role for pp in data.participants}


def test_colon_labels_plain_and_bold(tmp_path):
    path = word_transcript(tmp_path / "m.docx", [
        ("H", "Miten vertaistuki näkyy teillä?"),
        ("V", "No kyllä se näkyy."),
        "H: Kerro lisää.",  # the same label typed without bold
        "V: Me puhutaan paljon keskenään.",
    ])
    data = read_transcript(path)
    assert turns_of(data) == [
        ("H", "interviewer", "Miten vertaistuki näkyy teillä?"),
        ("V", "participant", "No kyllä se näkyy."),
        ("H", "interviewer", "Kerro lisää."),
        ("V", "participant", "Me puhutaan paljon keskenään."),
    ]


@pytest.mark.parametrize("interviewer,participants", [
    ("Haastattelija", ["Osallistuja 1", "Osallistuja 3"]),
    ("I", ["R"]),
    ("Interviewer", ["P2", "P3"]),
    ("Moderaattori", ["Haastateltava 1", "Haastateltava 2"]),
])
def test_label_vocabularies(tmp_path, interviewer, participants):
    lines = []
    for i, who in enumerate(participants * 2):
        lines += [(interviewer, f"Kysymys numero {i}?"), (who, f"Vastaus numero {i}.")]
    data = read_transcript(word_transcript(tmp_path / "x.docx", lines, bold_labels=False))
    assert [t.speaker for t in data.turns] == [lb for pair in lines for lb in [pair[0]]]
    assert roles_of(data) == {interviewer: "interviewer", **{w: "participant" for w in participants}}
    for t in data.turns:
        assert data.text[t.start:t.end].startswith(("Kysymys", "Vastaus"))


def test_full_names_as_labels(tmp_path):
    lines = [("Maija Mäkinen", "Mitä sinulle kuuluu?"), ("Pekka Korhonen", "Hyvää, kiitos."),
             ("Maija Mäkinen", "Entä töissä?"), ("Pekka Korhonen", "Kiirettä pitää.")]
    data = read_transcript(word_transcript(tmp_path / "n.docx", lines, bold_labels=False))
    assert [t.speaker for t in data.turns] == [lb for lb, _ in lines]
    # A bold name is a label even when it speaks only once.
    data = read_transcript(word_transcript(tmp_path / "b.docx", [("Anna-Liisa Virtanen", "Sanon vain tämän."),
                                                                    ("H", "Kiitos.")]))
    assert [t.speaker for t in data.turns] == ["Anna-Liisa Virtanen", "H"]


def test_words_before_a_colon_in_speech_are_not_labels(tmp_path):
    data = read_transcript(word_transcript(tmp_path / "c.docx", [
        ("H", "Mitä hän sanoi?"),
        ("V", "Hän sanoi näin."),
        "ja sitten se sanoi: ei käy.",  # lower case: speech, not a label
        "Huom: tämä on litteroijan huomautus.",
        "Huom: toinen huomautus.",
    ]))
    assert [t.speaker for t in data.turns] == ["H", "V"]
    assert data.text[data.turns[1].start:data.turns[1].end].endswith("toinen huomautus.")


def test_turn_over_several_paragraphs_and_metadata_before_first_label(tmp_path):
    path = word_transcript(tmp_path / "multi.docx", [
        "Litterointi 14.3.2026, nauhoite 2",
        ("H", "Ensimmäinen kysymys."),
        ("V", "Ensimmäinen kappale."),
        "Toinen kappale samaa vastausta.",
        "",
        "Kolmas kappale.",
        ("H", "Kiitos."),
    ], title="Haastattelu M09")
    data = read_transcript(path)
    assert [t.speaker for t in data.turns] == ["H", "V", "H"]
    answer = data.text[data.turns[1].start:data.turns[1].end]
    assert answer == "Ensimmäinen kappale.\nToinen kappale samaa vastausta.\n\nKolmas kappale."
    assert "Haastattelu M09" in data.metadata_text and "Litterointi 14.3.2026" in data.metadata_text
    assert all("Haastattelu M09" not in data.text[t.start:t.end] for t in data.turns)


def test_turns_separated_by_soft_line_breaks(tmp_path):
    path = word_transcript(tmp_path / "soft.docx", [["H: Kysyn ensin.", "V: Vastaan sitten.", "H: Hyvä."]])
    data = read_transcript(path)
    assert turns_of(data) == [("H", "interviewer", "Kysyn ensin."), ("V", "participant", "Vastaan sitten."),
                              ("H", "interviewer", "Hyvä.")]


def test_time_stamps_before_and_after_labels(tmp_path):
    path = word_transcript(tmp_path / "ts.docx", [
        "[00:00:04] H: Aloitetaan.",
        "(12:34) Haastattelija: Toinen tapa.",
        "P2 [00:13:01]: Aikaleima nimen perässä.",
        "00:14:00 P2: Ilman sulkeita.",
    ], bold_labels=False)
    data = read_transcript(path)
    assert [(t.speaker, t.timestamp) for t in data.turns] == [
        ("H", "00:00:04"), ("Haastattelija", "12:34"), ("P2", "00:13:01"), ("P2", "00:14:00")]
    assert [data.text[t.start:t.end] for t in data.turns] == [
        "Aloitetaan.", "Toinen tapa.", "Aikaleima nimen perässä.", "Ilman sulkeita."]
    stamps = [a.text for a in data.annotations if a.kind == "timestamp"]
    assert stamps == ["[00:00:04]", "(12:34)", "[00:13:01]", "00:14:00"]


@pytest.mark.parametrize("header", [
    "{name}  {ts}",  # Otter, Word transcribe
    "{name}   {ts}",  # Teams
    "{ts} {name}",  # time stamp first
    "[{ts}] {name}",
    "{name} ({ts})",
])
def test_header_line_layouts(tmp_path, header):
    turns = [("Speaker 1", "0:42", ["Mä aloitin keikkatyön viime vuonna.", "Se oli aluksi vaikeeta."]),
             ("Puhuja 2", "12:03", ["Mulla meni samalla tavalla."]),
             ("Matti Virtanen", "01:02:03", ["Kiitos kaikille."]),
             ("Speaker 1", "01:03:00", ["Kiitos itsellesi."])]
    lines = ["Transcript 2026-03-01"]
    for name, ts, paras in turns:
        lines.append(header.format(name=name, ts=ts))
        lines += paras
    data = read_transcript(word_transcript(tmp_path / "h.docx", lines))
    assert [(t.speaker, t.timestamp) for t in data.turns] == [(n, ts) for n, ts, _ in turns]
    assert [data.text[t.start:t.end] for t in data.turns] == ["\n".join(ps) for _, _, ps in turns]
    assert data.metadata_text == "Transcript 2026-03-01"
    stamps = {a.text.strip("[]()") for a in data.annotations if a.kind == "timestamp"}
    assert stamps == {ts for _, ts, _ in turns}
    # The tagger sees the turn's words only; the header line is not in any turn.
    for t in data.turns:
        assert ":" not in masked(data.text, data.annotations, t.start, t.end).replace("0:", "")


def test_speaker_pattern_override(tmp_path):
    path = word_transcript(tmp_path / "dash.docx", ["K - Miten menee?", "V - Hyvin menee.", "K - Hienoa."],
                           bold_labels=False)
    data = read_transcript(path)
    assert [t.speaker for t in data.turns] == ["unknown"]  # no automatic layout matches
    assert any("--speaker-pattern" in w for w in data.warnings)
    data = read_transcript(path, speaker_pattern=r"^(?P<label>[KV]) - ")
    assert turns_of(data) == [("K", "interviewer", "Miten menee?"), ("V", "participant", "Hyvin menee."),
                              ("K", "interviewer", "Hienoa.")]
    with pytest.raises(ImportRefused, match="not a valid regular expression"):
        read_transcript(path, speaker_pattern="^(?P<label>[KV] - ")
    with pytest.raises(ImportRefused, match="needs a group"):
        read_transcript(path, speaker_pattern="^[KV] - ")


def test_participants_table_wins_over_label_heuristic(tmp_path):
    # H1..H4 look like numbered interviewers; the table says they are respondents.
    lines = []
    for i in range(1, 5):
        lines += [("H", f"Kysymys {i}?"), (f"H{i}", f"Vastaus {i}.")]
    people = [{"Puhuja": f"H{i}", "Kuvaus": f"muusikko {i}", "Ikäryhmä": "25-34"} for i in range(1, 5)]
    data = read_transcript(word_transcript(tmp_path / "g.docx", lines, participants=people,
                                           header={"Sidosryhmä": "keikkatyöntekijät", "Haastattelija": "H"}))
    assert roles_of(data) == {"H": "interviewer", **{f"H{i}": "participant" for i in range(1, 5)}}
    h2 = next(pp for pp in data.participants if pp.label == "H2")
    assert h2.attributes == {"description": "muusikko 2", "age_group": "25-34"}


def test_numbered_h_labels_without_a_table():
    from qualcode.importing.turns import Roles

    # "H" with H1..Hn: H1.. are respondents; H1, H2 next to V1, V2: interviewers.
    assert Roles().resolve(["H", "H1", "H2"]) == {"H": "interviewer", "H1": "participant", "H2": "participant"}
    assert Roles().resolve(["H1", "V1", "H2", "V2"]) == {"H1": "interviewer", "V1": "participant",
                                                           "H2": "interviewer", "V2": "participant"}
    assert Roles(interviewers={"Speaker 2"}).resolve(["Speaker 1", "Speaker 2"]) == {
        "Speaker 1": "participant", "Speaker 2": "interviewer"}


def test_header_paragraphs_as_attributes(tmp_path):
    body = "".join([
        para("Haastattelu T07"),
        p(r("Sidosryhmä:", bold=True), r(" työterveyshuolto")),
        p(r("Päivämäärä:", bold=True), r(" 5.3.2026")),
        p(r("Haastattelija:", bold=True), r(" Maija Mäkinen (H)")),
        para(""),
        p(r("H:", bold=True), r(" Kerro työstäsi.")),
        p(r("P1:", bold=True), r(" Olen työterveyshoitaja.")),
    ])
    data = read_transcript(write_docx(tmp_path / "t07.docx", body))
    assert data.attributes == {"stakeholder": "ohs", "date": "2026-03-05", "interviewer": "Maija Mäkinen (H)"}
    assert turns_of(data) == [("H", "interviewer", "Kerro työstäsi."), ("P1", "participant", "Olen työterveyshoitaja.")]
    assert "Sidosryhmä" in data.metadata_text


def test_annotations_recorded_kept_and_hidden_from_tagger(tmp_path):
    text = "Joo [naurua] se oli (.) tosi hyvä [epäselvä] ja [nimi poistettu] sano (naurua) et [00:12:34] jatketaan."
    data = read_transcript(word_transcript(tmp_path / "a.docx", [("H", "No?"), ("V", text)]))
    turn = data.turns[1]
    assert data.text[turn.start:turn.end] == text  # shown to the researcher as typed
    kinds = {a.text: a.kind for a in data.annotations}
    assert kinds == {"[naurua]": "annotation", "(.)": "pause", "[epäselvä]": "annotation",
                     "[nimi poistettu]": "annotation", "(naurua)": "annotation", "[00:12:34]": "timestamp"}
    seen = masked(data.text, data.annotations, turn.start, turn.end)
    assert len(seen) == len(text)  # offsets still hold
    assert seen.split() == ["Joo", "se", "oli", "tosi", "hyvä", "ja", "sano", "et", "jatketaan."]


def test_show_json_for_every_layout(tmp_path):
    """`qualcode show --json` has the documented shape, and every turn's offsets cut its text."""
    files = [
        word_transcript(tmp_path / "colon.docx", [("H", "Kysymys?"), ("V", "Vastaus."), "Jatkoa."]),
        word_transcript(tmp_path / "header.docx", ["Speaker 1  0:05", "Eka.", "Speaker 2  0:09", "Toka."]),
        word_transcript(tmp_path / "soft.docx", [["H: Yksi.", "V: Kaksi."]]),
    ]
    db = f"sqlite:///{tmp_path / 'p.db'}"
    runner = CliRunner()
    res = runner.invoke(main, ["--db", db, "import", "--attr", "stakeholder=management", *map(str, files)])
    assert res.exit_code == 0, res.output
    for f in files:
        res = runner.invoke(main, ["--db", db, "show", f.stem, "--json"])
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        assert {"name", "attributes", "participants", "turns", "text"} <= set(data)
        assert data["name"] == f.stem and data["attributes"]["stakeholder"] == "management"
        assert {pp["role"] for pp in data["participants"]} <= {"interviewer", "participant"}
        assert len(data["turns"]) == 2 or f.stem == "colon"
        for turn in data["turns"]:
            assert set(turn) >= {"speaker", "role", "text", "start", "end"}
            assert data["text"][turn["start"]:turn["end"]] == turn["text"]
    res = runner.invoke(main, ["--db", db, "transcripts", "--json"])
    rows = {row["name"]: row for row in json.loads(res.output)}
    assert rows["colon"]["turns"] == 2 and rows["colon"]["words"] == 3 and rows["colon"]["segments"] == 0


def test_sample_transcripts_import_with_their_speakers(sample_docx):
    expected = {  # from transcripts/source/*.txt: interviewer label, participant labels
        "gig_culture_entrepreneurs": ("H", {"H1", "H2", "H3", "H4"}),
        "gig_platform_workers": ("Haastattelija", {f"Osallistuja {i}" for i in range(1, 5)}),
        "gig_producer_workers": ("H", {"P1", "P2", "P3", "P4"}),
        "mgmt_intermediary": ("H", {"V"}),
        "mgmt_user_company": ("H", {"V"}),
        "ohs_group": ("H", {"P1", "P2", "P3"}),
    }
    for path in sample_docx:
        data = read_transcript(path)
        interviewer, people = expected[path.stem]
        assert roles_of(data) == {interviewer: "interviewer", **{x: "participant" for x in people}}, path.name
        source = (TRANSCRIPTS / "source" / f"{path.stem}.txt").read_text(encoding="utf-8")
        body = source.split("---", 2)[2]
        labels = "|".join(re.escape(lb) for lb in people | {interviewer})
        n_turns = len(re.findall(rf"^(?:\[[\d:]+\] )?(?:{labels}):", body, flags=re.M))
        assert len(data.turns) == n_turns, path.name
        assert data.attributes["stakeholder"] in ("management", "gig_worker", "ohs")
        assert not data.warnings


def test_speaker_pattern_for_header_lines(tmp_path):
    path = word_transcript(tmp_path / "hdr.docx", [">> ANNA", "Ensimmäinen kappale.", "Toinen kappale.",
                                                  ">> MODERAATTORI", "Kiitos."], bold_labels=False)
    data = read_transcript(path, speaker_pattern=r"^>> (?P<label>[A-ZÅÄÖ]+)$")
    assert turns_of(data) == [("ANNA", "participant", "Ensimmäinen kappale.\nToinen kappale."),
                              ("MODERAATTORI", "interviewer", "Kiitos.")]


def test_interviewer_listed_in_the_participants_table(tmp_path):
    people = [{"label": "M", "description": "moderator, researcher"}, {"label": "A", "description": "owner"},
              {"label": "B", "description": "supervisor"}]
    lines = [("M", "Welcome."), ("A", "Thanks."), ("B", "Hello."), ("M", "First question?")]
    data = read_transcript(word_transcript(tmp_path / "w.docx", lines, participants=people))
    assert roles_of(data) == {"M": "interviewer", "A": "participant", "B": "participant"}


def test_cli_import_json_report(tmp_path):
    good = word_transcript(tmp_path / "ok.docx", [("H", "Hei?"), ("V", "Moi.")])
    (tmp_path / "bad.docx").write_bytes(b"not a docx")
    res = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'j.db'}", "import", "--json",
                                    "--attr", "stakeholder=johto", str(good), str(tmp_path / "bad.docx")])
    assert res.exit_code == 1
    reports = json.loads(res.stdout)  # the progress bar and the summary go to stderr
    assert [(r["name"], r["status"]) for r in reports] == [("ok", "imported"), ("bad", "failed")]
    assert reports[0]["attributes"] == {"stakeholder": "management"} and reports[0]["turns"] == 2


def test_transcript_laid_out_as_a_table(tmp_path):
    from .test_import_docxmaker import cell, table

    rows = [("Aika", "Puhuja", "Teksti"), ("00:00:05", "H", "Kerro työstäsi."),
            ("00:00:09", "V", "Teen keikkoja."), ("", "", "Ja opiskelen."), ("00:01:10", "H", "Kiitos."),
            ("00:01:15", "V", "Ole hyvä.")]
    body = para("Haastattelu T12") + table(*[[cell(para(c)) for c in row] for row in rows])
    data = read_transcript(write_docx(tmp_path / "tbl.docx", body))
    assert [(t.speaker, t.timestamp, data.text[t.start:t.end]) for t in data.turns] == [
        ("H", "00:00:05", "Kerro työstäsi."), ("V", "00:00:09", "Teen keikkoja.\n\t\tJa opiskelen."),
        ("H", "00:01:10", "Kiitos."), ("V", "00:01:15", "Ole hyvä.")]
    assert roles_of(data) == {"H": "interviewer", "V": "participant"}
    assert "Haastattelu T12" in data.metadata_text


def test_masked_blanks_overlapping_nested_and_clipped_annotations():
    from types import SimpleNamespace as At

    from qualcode.transcript import masked_turns

    text = "abcdefghij" * 2
    notes = [At(start=2, end=5), At(start=4, end=7), At(start=8, end=9), At(start=8, end=8), At(start=6, end=3),
             At(start=9, end=13), At(start=15, end=25)]
    # by hand: 2-7 blank (two overlapping), 8-13 blank (one empty, one inverted: ignored), 15- blank
    expected = "ab" + " " * 5 + "h" + " " * 5 + "de" + " " * 5
    assert masked(text, notes) == expected
    assert masked(text, notes, 5, 12) == expected[5:12]
    assert masked(text, [], 3, 6) == "def"
    turns = [At(start=0, end=4), At(start=12, end=20), At(start=13, end=15)]
    assert masked_turns(text, notes, turns) == [expected[0:4], expected[12:20], "de"]
