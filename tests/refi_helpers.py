"""Shared pieces of the REFI-QDA tests: the official schemas and a codebook with a hierarchy."""

from __future__ import annotations

from pathlib import Path

import yaml
from lxml import etree

from .conftest import CODEBOOK, ROOT

_CANDIDATES = [ROOT.parent / "shared" / "refi-qda", ROOT.parent.parent / "shared" / "refi-qda",
               Path("/work/shared/refi-qda")]
SHARED_REFI = next((p for p in _CANDIDATES if (p / "Codebook.xsd").exists()), None)
BUNDLED_REFI = ROOT / "src" / "qualcode" / "refi" / "schemas"


def official_schema(name: str) -> etree.XMLSchema:
    """The schema from the shared REFI-QDA folder; on a machine without it, qualcode's bundled copy
    (which `test_bundled_schemas_are_the_official_ones` checks wherever the shared folder exists)."""
    return etree.XMLSchema(etree.parse(str((SHARED_REFI or BUNDLED_REFI) / name)))


def assert_valid(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    assert schema.validate(root), [f"line {e.line}: {e.message}" for e in schema.error_log][:5]
    return root


def hierarchy_codebook_yaml(version: str = "99.0.0") -> str:
    """The project codebook plus a child and a grandchild under its first code, and a retired code."""
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["version"] = version
    parent = data["codes"][0]["id"]
    child, grandchild = f"{parent}_refi_child", f"{parent}_refi_grandchild"
    data["codes"] += [
        {"id": child, "label": {"fi": "Vertaisryhmämentorointi", "en": "Peer-group mentoring"},
         "definition": {"fi": "Ryhmä vertaisia ohjaa toisiaan.", "en": "A group of peers mentor one another."},
         "inclusion": ["Regular peer-group meetings with a facilitator."], "colour": "#17BECF", "parent": parent},
        {"id": grandchild, "label": {"fi": "Verkkomentorointi", "en": "Online mentoring"},
         "definition": {"fi": "Mentorointi verkossa.", "en": "Mentoring online or hybrid: \"e-mentoring\" & <chat>."},
         "colour": "#bcbd22", "parent": child},
        {"id": "refi_retired_code", "label": {"fi": "Vanha koodi", "en": "Old code"},
         "definition": {"fi": "Ei enää käytössä.", "en": "No longer used."}, "status": "retired"},
    ]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


# A project as another tool might write it: braces and upper case in GUIDs, a BOM and a
# capital "Sources/" folder, variables on an unnamed case (MAXQDA, Quirkos), an annotation as a
# selection with only a description (MAXQDA), a note inside the note list anchored by its own
# selection (QualCoder), a note linked to a selection (NVivo), and things qualcode cannot keep.
FOREIGN_TEXT = ("Haastattelu 7, johto\n"
                "H: Miten te tuette toisianne?\n"
                "V: No kyllä me aina kysytään neuvoa toisiltamme. Luottamus on tärkeää, ja ihan kaikki jaetaan.\n"
                "H: Entä kilpailu?\n"
                "V: Sitä ei oikein ole.")
INLINE_TEXT = "Kenttämuistiinpano: työpajassa jaettiin kokemuksia ja tsempattiin toisia."


def foreign_positions() -> dict[str, tuple[int, int]]:
    t = FOREIGN_TEXT
    ask = t.index("kysytään neuvoa toisiltamme")
    trust = t.index("Luottamus on tärkeää")
    return {
        "ask": (ask, ask + len("kysytään neuvoa toisiltamme")),            # inside a sentence
        "wide": (ask, trust + len("Luottamus on tärkeää")),                # across two sentences, overlaps "ask"
        "note": (t.index("kaikki jaetaan"), t.index("kaikki jaetaan") + len("kaikki jaetaan")),
        "anchor": (t.index("Sitä ei"), len(t)),
        "inline": (INLINE_TEXT.index("jaettiin"), INLINE_TEXT.index("jaettiin") + len("jaettiin kokemuksia")),
    }


def foreign_qde(origin: str = "QualCoder 3.5", text_len: int | None = None) -> str:
    p = foreign_positions()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Vertaistuki NVivo" origin="{origin}"
         creatingUserGUID="{{AAAAAAAA-1111-4111-8111-111111111111}}">
  <Users>
    <User guid="{{AAAAAAAA-1111-4111-8111-111111111111}}" name="Maija Meikäläinen"/>
    <User guid="bbbbbbbb-2222-4222-8222-222222222222" name="Pekka"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="{{C0000000-0000-4000-8000-000000000001}}" name="Tuki" isCodable="false">
      <Code guid="c0000000-0000-4000-8000-000000000002" name="Käytännöllinen apu" isCodable="true" color="#1F77B4">
        <Description>Neuvot ja vinkit</Description>
      </Code>
      <Code guid="c0000000-0000-4000-8000-000000000003" name="Tunnetuki" isCodable="true"/>
    </Code>
    <Code guid="c0000000-0000-4000-8000-000000000004" name="Luottamus" isCodable="true" color="#93c"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="d0000000-0000-4000-8000-000000000001" name="Sidosryhmä" typeOfVariable="Text"/>
    <Variable guid="d0000000-0000-4000-8000-000000000002" name="Haastattelupäivä" typeOfVariable="Date"/>
    <Variable guid="d0000000-0000-4000-8000-000000000003" name="Ikä" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="e0000000-0000-4000-8000-000000000001">
      <VariableValue><VariableRef targetGUID="d0000000-0000-4000-8000-000000000001"/><TextValue>johto</TextValue></VariableValue>
      <SourceRef targetGUID="{{F0000000-0000-4000-8000-000000000001}}"/>
    </Case>
    <Case guid="e0000000-0000-4000-8000-000000000002" name="Anna">
      <VariableValue><VariableRef targetGUID="d0000000-0000-4000-8000-000000000003"/><IntegerValue>41</IntegerValue></VariableValue>
      <SelectionRef targetGUID="a0000000-0000-4000-8000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="F0000000-0000-4000-8000-000000000001" name="Haastattelu 7.docx"
                plainTextPath="internal://F0000000-0000-4000-8000-000000000001.TXT"
                creatingUser="aaaaaaaa-1111-4111-8111-111111111111" creationDateTime="2025-05-02T10:00:00+03:00">
      <Description>Litteroitu 2.5.2025</Description>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000001" name="kysytään" startPosition="{p['ask'][0]}"
          endPosition="{p['ask'][1]}" creatingUser="aaaaaaaa-1111-4111-8111-111111111111" creationDateTime="2025-05-03T08:00:00Z">
        <Coding guid="b0000000-0000-4000-8000-000000000001" creatingUser="{{AAAAAAAA-1111-4111-8111-111111111111}}">
          <CodeRef targetGUID="{{C0000000-0000-4000-8000-000000000002}}"/></Coding>
        <Coding guid="b0000000-0000-4000-8000-000000000002">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000002" startPosition="{p['wide'][0]}"
          endPosition="{p['wide'][1]}" creatingUser="bbbbbbbb-2222-4222-8222-222222222222">
        <Coding guid="b0000000-0000-4000-8000-000000000003"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
        <Coding guid="b0000000-0000-4000-8000-000000000004"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000003" startPosition="{p['note'][0]}"
          endPosition="{p['note'][1]}" creatingUser="bbbbbbbb-2222-4222-8222-222222222222">
        <Description>Huom: jakaminen</Description>
      </PlainTextSelection>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000004" startPosition="{p['ask'][0]}"
          endPosition="{text_len or p['ask'][1]}"/>
      <Coding guid="b0000000-0000-4000-8000-000000000009"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
      <NoteRef targetGUID="90000000-0000-4000-8000-000000000001"/>
      <NoteRef targetGUID="90000000-0000-4000-8000-000000000003"/>
      <VariableValue><VariableRef targetGUID="d0000000-0000-4000-8000-000000000002"/><DateValue>2025-05-02</DateValue></VariableValue>
    </TextSource>
    <TextSource guid="f0000000-0000-4000-8000-000000000002" name="Muistiinpano">
      <PlainTextContent>{INLINE_TEXT}</PlainTextContent>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000005" startPosition="{p['inline'][0]}"
          endPosition="{p['inline'][1]}" creatingUser="bbbbbbbb-2222-4222-8222-222222222222">
        <Coding guid="b0000000-0000-4000-8000-000000000005"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="f0000000-0000-4000-8000-000000000003" name="kuva.png" path="internal://kuva.png"/>
  </Sources>
  <Notes>
    <Note guid="90000000-0000-4000-8000-000000000001" name="Muistio" creatingUser="bbbbbbbb-2222-4222-8222-222222222222"
          creationDateTime="2025-05-04T12:00:00Z">
      <PlainTextContent>Tässä haastattelussa korostuu luottamus.</PlainTextContent>
    </Note>
    <Note guid="90000000-0000-4000-8000-000000000002" name="Linkitetty" plainTextPath="internal://90000000-0000-4000-8000-000000000002.txt"/>
    <Note guid="90000000-0000-4000-8000-000000000003" name="Annotaatio" creatingUser="aaaaaaaa-1111-4111-8111-111111111111">
      <PlainTextContent>Vastaaja vähättelee kilpailua.</PlainTextContent>
      <PlainTextSelection guid="a0000000-0000-4000-8000-000000000009" startPosition="{p['anchor'][0]}" endPosition="{p['anchor'][1]}"/>
    </Note>
    <Note guid="90000000-0000-4000-8000-000000000004" name="Tutkimuspäiväkirja"><PlainTextContent>Yleinen muistio.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="70000000-0000-4000-8000-000000000001" originGUID="90000000-0000-4000-8000-000000000002"
          targetGUID="a0000000-0000-4000-8000-000000000002"/>
  </Links>
  <Sets><Set guid="60000000-0000-4000-8000-000000000001" name="Johto">
    <MemberSource targetGUID="f0000000-0000-4000-8000-000000000001"/></Set></Sets>
</Project>
"""


def foreign_qdpx(path: Path, origin: str = "QualCoder 3.5") -> Path:
    return write_zip(path, {
        "project.qde": foreign_qde(origin),
        "Sources/f0000000-0000-4000-8000-000000000001.txt": b"\xef\xbb\xbf" + FOREIGN_TEXT.encode("utf-8"),
        "Sources/90000000-0000-4000-8000-000000000002.txt": "NVivo-muistio: laaja jakso.",
        "Sources/kuva.png": b"\x89PNG\r\n",
    })
