"""All body text, in reading order, from WordprocessingML python-docx reads wrong or not at all."""

from __future__ import annotations

import docx
from sqlalchemy import select

from qualcode.importing import import_file, read_transcript
from qualcode.store import transaction
from qualcode.store.models import Memo

from .test_import_docxmaker import (
    cell,
    dele,
    ins,
    kv_table,
    p,
    para,
    r,
    table,
    text_box,
    write_docx,
)


def body_lines(data):
    return data.text.split("\n")


def test_tracked_changes_resolve_to_accepted_text(tmp_path):
    body = "".join([
        p(r("H:", bold=True), r(" Mä tein ")),
        p(r("V: Mä tein "), ins(r("keikkoja ")), dele("ravintolassa "), r("kolme vuotta.")),
        p(r("H: Entä "), f'<w:moveFrom w:id="5" w:author="E">{r("siirretty ")}</w:moveFrom>', r("nyt?"),
          f'<w:moveTo w:id="6" w:author="E">{r(" siirretty")}</w:moveTo>'),
        # A paragraph whose mark was deleted runs on into the next one.
        p(r("V: Alku"), ppr='<w:rPr><w:del w:id="7" w:author="E" w:date="2026-01-01T00:00:00Z"/></w:rPr>'),
        p(r(" ja loppu.")),
    ])
    path = write_docx(tmp_path / "tracked.docx", body)
    data = read_transcript(path)
    assert body_lines(data) == ["H: Mä tein ", "V: Mä tein keikkoja kolme vuotta.", "H: Entä nyt? siirretty",
                                "V: Alku ja loppu."]
    assert [data.text[t.start:t.end] for t in data.turns][1] == "Mä tein keikkoja kolme vuotta."
    # The trap this reader avoids: python-docx drops the tracked insertion.
    assert docx.Document(str(path)).paragraphs[1].text == "V: Mä tein kolme vuotta."


def test_content_controls_smart_tags_fields_and_hyperlinks(tmp_path):
    body = "".join([
        p(r("H: Nimesi on "), f'<w:sdt><w:sdtPr><w:alias w:val="nimi"/></w:sdtPr><w:sdtContent>{r("Osallistuja")}'
                                 f"</w:sdtContent></w:sdt>", r("?")),
        f'<w:sdt><w:sdtPr/><w:sdtContent>{para("V: Koko kappale sisältöohjausobjektissa.")}</w:sdtContent></w:sdt>',
        p(r("H: Kaupunki on "), f'<w:smartTag w:uri="urn:x" w:element="place">{r("Tampere")}</w:smartTag>', r(".")),
        p(r("V: Sivu "), '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
                          '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', r("7"),
          '<w:r><w:fldChar w:fldCharType="end"/></w:r>', r(" ja "),
          f'<w:hyperlink r:id="rId99">{r("linkki")}</w:hyperlink>', r(".")),
        f'<w:customXml w:element="x">{para("H: Mukautettu XML.")}</w:customXml>',
    ])
    data = read_transcript(write_docx(tmp_path / "sdt.docx", body))
    assert body_lines(data) == ["H: Nimesi on Osallistuja?", "V: Koko kappale sisältöohjausobjektissa.",
                                "H: Kaupunki on Tampere.", "V: Sivu 7 ja linkki.", "H: Mukautettu XML."]
    assert len(data.turns) == 5


def test_text_boxes_read_once_after_their_paragraph(tmp_path):
    body = "".join([
        p(r("H: Ennen laatikkoa."), text_box(para("Laatikon teksti."), para("Toinen rivi."))),
        para("V: Laatikon jälkeen."),
        p(text_box(para("Vanha VML-laatikko ilman vaihtoehtoa."), fallback=False)),
    ])
    data = read_transcript(write_docx(tmp_path / "box.docx", body))
    assert body_lines(data) == ["H: Ennen laatikkoa.", "Laatikon teksti.", "Toinen rivi.", "V: Laatikon jälkeen.",
                                "", "Vanha VML-laatikko ilman vaihtoehtoa."]
    assert data.text.count("Laatikon teksti.") == 1  # the mc:Fallback copy is not read again


def test_tables_each_cell_once_in_reading_order(tmp_path):
    merged_down = '<w:vMerge w:val="restart"/>'
    body = "".join([
        para("H: Katsotaan taulukkoa."),
        table(
            [cell(para("Yhdistetty pystyyn"), props=merged_down), cell(para("B1")), cell(para("C1"))],
            [cell(props="<w:vMerge/>"), cell(para("B2")), cell(para("C2"))],
            [cell(para("Leveä solu"), props='<w:gridSpan w:val="2"/>'), cell(para("C3"))],
            [cell(para("Solu jossa"), para("kaksi kappaletta")),
             cell(table([cell(para("sisä 1")), cell(para("sisä 2"))])), cell(para(""))],
        ),
        para("V: Taulukon jälkeen."),
    ])
    path = write_docx(tmp_path / "tbl.docx", body)
    data = read_transcript(path)
    assert body_lines(data) == ["H: Katsotaan taulukkoa.", "Yhdistetty pystyyn\tB1\tC1", "B2\tC2", "Leveä solu\tC3",
                                "Solu jossa kaksi kappaletta\tsisä 1 sisä 2\t", "V: Taulukon jälkeen."]
    assert data.text.count("Yhdistetty pystyyn") == 1
    # python-docx repeats the merged cell in every row it spans.
    cells = [c.text for row in docx.Document(str(path)).tables[0].rows for c in row.cells]
    assert cells.count("Yhdistetty pystyyn") == 2


def test_comments_become_memos_attached_to_their_text(tmp_path, engine):
    body = "".join([
        p(r("H: "), '<w:commentRangeStart w:id="1"/>', r("Miten jaksatte?"), '<w:commentRangeEnd w:id="1"/>',
          '<w:r><w:commentReference w:id="1"/></w:r>'),
        p(r("V: Alku "), '<w:commentRangeStart w:id="2"/>', r("yli kappaleen")),
        p(r("jatkuu"), '<w:commentRangeEnd w:id="2"/>', r(" tähän.")),
        table([cell(p(r("Solu: "), '<w:commentRangeStart w:id="3"/>', r("kommentoitu"),
                      '<w:commentRangeEnd w:id="3"/>'))]),
        p(r("H: Ilman aluetta."), '<w:r><w:commentReference w:id="4"/></w:r>'),
    ])
    comments = {"1": ("Anna", "Jaksaminen = resilienssi?"), "2": ("Ben", "Pitkä vastaus"),
                "3": ("", "Taulukon kommentti"), "4": ("Anna", "Koko kappale")}
    path = write_docx(tmp_path / "memo.docx", body, comments=comments)
    report = import_file(engine, path, attributes={"stakeholder": "ohs"})
    assert report.status == "imported" and report.memos == 4
    with transaction(engine) as s:
        memos = s.scalars(select(Memo).order_by(Memo.anchor_start)).all()
        text = memos[0].transcript.text
        got = [(m.coder, m.text, m.origin, text[m.anchor_start:m.anchor_end]) for m in memos]
    assert got == [
        ("Anna", "Jaksaminen = resilienssi?", "docx_comment", "Miten jaksatte?"),
        ("Ben", "Pitkä vastaus", "docx_comment", "yli kappaleen\njatkuu"),
        ("docx", "Taulukon kommentti", "docx_comment", "kommentoitu"),
        ("Anna", "Koko kappale", "docx_comment", "H: Ilman aluetta."),
    ]


def test_footnotes_and_endnotes_kept_with_markers(tmp_path):
    body = "".join([
        p(r("H: Kysymys"), '<w:r><w:footnoteReference w:id="1"/></w:r>', r("?")),
        p(r("V: Vastaus"), '<w:r><w:endnoteReference w:id="1"/></w:r>', r(" ja"),
          '<w:r><w:footnoteReference w:id="2"/></w:r>', r(".")),
    ])
    path = write_docx(tmp_path / "notes.docx", body, footnotes={"1": "Litteroijan huomautus.", "2": "Toinen."},
                      endnotes={"1": "Loppuviitteen teksti."})
    data = read_transcript(path)
    assert body_lines(data) == ["H: Kysymys[1]?", "V: Vastaus[L1] ja[2].", "[Alaviite 1] Litteroijan huomautus.",
                                "[Alaviite 2] Toinen.", "[Loppuviite L1] Loppuviitteen teksti."]
    # Notes are kept but are nobody's turn, and the markers are hidden from the tagger.
    assert data.text[data.turns[-1].start:data.turns[-1].end] == "Vastaus[L1] ja[2]."
    assert {a.text for a in data.annotations if a.kind == "note_ref"} >= {"[1]", "[L1]", "[2]"}


def test_breaks_tabs_symbols_and_math(tmp_path):
    body = p(r("V: yksi"), "<w:r><w:tab/></w:r>", r("kaksi"), '<w:r><w:sym w:font="Wingdings" w:char="F04A"/></w:r>',
             '<w:r><w:sym w:font="Arial" w:char="2192"/></w:r>', r(" "),
             '<m:oMath><m:r><m:t>x+1</m:t></m:r></m:oMath>', '<w:r><w:rPr><w:vanish/></w:rPr><w:t>piilo</w:t></w:r>')
    data = read_transcript(write_docx(tmp_path / "misc.docx", body))
    assert data.text == "V: yksi\tkaksi→ x+1piilo"  # Wingdings' private-use glyph is not text


def test_attribute_layers_in_rising_priority(tmp_path):
    body = kv_table({"Sidosryhmä": "johto", "Organisaatiotyyppi": "välittäjä", "Päivämäärä": "12.3.2026"}) + \
        para("H: Hei.") + para("V: Moi.")
    path = write_docx(tmp_path / "layers.docx", body,
                      core={"title": "Ydinominaisuus", "subject": "aihe", "identifier": "M77"},
                      custom={"Sidosryhmä": "työterveyshuolto", "Haastattelija": "H", "Template": "Normal.dotm"})
    data = read_transcript(path)
    assert data.attributes == {"title": "Ydinominaisuus", "subject": "aihe", "interview_id": "M77",
                               "stakeholder": "management",  # the header table beats custom properties
                               "interviewer": "H", "organisation_type": "intermediary", "date": "2026-03-12"}
    data = read_transcript(path, attributes=[("manifest.csv line 2", {"Organisaatiotyyppi": "tuottaja",
                                                                      "stakeholder": "ohs"}),
                                             ("--attr", {"stakeholder": "gig_worker"})])
    assert data.attributes["organisation_type"] == "producer" and data.attributes["stakeholder"] == "gig_worker"
