"""REFI-QDA codebook exchange (.qdc): schema-valid export with stable GUIDs, import from qualcode and other tools."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from lxml import etree

from qualcode.cli import main
from qualcode.codebook import load_codebook, parse_codebook
from qualcode.refi import RefiError, qdc_bytes, read_qdc, write_qdc
from qualcode.refi import guids
from qualcode.refi.common import CODEBOOK_NS
from qualcode.store.codebooks import record_version
from qualcode.store import transaction

from .conftest import CODEBOOK, ROOT
from .refi_helpers import SHARED_REFI, assert_valid, hierarchy_codebook_yaml, official_schema

NS = {"c": CODEBOOK_NS}


@pytest.fixture(scope="module")
def schema():
    return official_schema("Codebook.xsd")


@pytest.fixture(scope="module")
def book():
    return parse_codebook(hierarchy_codebook_yaml(), "hierarchy test codebook")


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(SHARED_REFI is None, reason="no ../shared/refi-qda on this machine")
def test_bundled_schemas_are_the_official_ones():
    bundled = ROOT / "src" / "qualcode" / "refi" / "schemas"
    for name in ("Codebook.xsd", "Project-mrt2019.xsd"):
        assert (bundled / name).read_bytes() == (SHARED_REFI / name).read_bytes()


def test_export_validates_and_nests_the_hierarchy(book, schema):
    root = assert_valid(schema, qdc_bytes(book))
    parent, child, grandchild = book.codes[0].id, f"{book.codes[0].id}_refi_child", f"{book.codes[0].id}_refi_grandchild"
    top = root.findall("c:Codes/c:Code", NS)
    # Sub-codes are nested in their parent's element, not listed at the top.
    assert len(top) == len([c for c in book.codes if not c.parent])
    by_guid = {el.get("guid"): el for el in root.iter(f"{{{CODEBOOK_NS}}}Code")}
    assert len(by_guid) == len(book.codes)
    p_el = by_guid[guids.code_guid(book.name, parent)]
    c_el = by_guid[guids.code_guid(book.name, child)]
    g_el = by_guid[guids.code_guid(book.name, grandchild)]
    assert c_el.getparent() is p_el and g_el.getparent() is c_el
    assert c_el.get("name") == "Peer-group mentoring" and c_el.get("color") == "#17becf"
    assert c_el.get("isCodable") == "true"
    assert by_guid[guids.code_guid(book.name, "refi_retired_code")].get("isCodable") == "false"
    # The description starts with the definition and says which qualcode code it is.
    desc = g_el.find("c:Description", NS).text
    assert desc.startswith('Mentoring online or hybrid: "e-mentoring" & <chat>.')
    assert desc.rstrip().endswith(f"qualcode id: {grandchild}")
    assert "Label (fi): Verkkomentorointi" in desc


def test_guids_are_uuid5_of_the_ids_and_reexports_match_byte_for_byte(book, tmp_path):
    first, second = tmp_path / "a.qdc", tmp_path / "sub" / "b.qdc"
    write_qdc(book, first)
    write_qdc(parse_codebook(hierarchy_codebook_yaml(), "again"), second)
    assert first.read_bytes() == second.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    root = etree.fromstring(first.read_bytes())
    for el in root.iter(f"{{{CODEBOOK_NS}}}Code"):
        code_id = el.find("c:Description", NS).text.rsplit("qualcode id: ", 1)[1]
        assert el.get("guid") == str(uuid.uuid5(guids.NAMESPACE, f"code\x1f{book.name}\x1f{code_id}"))
    # A code keeps its GUID in a new codebook version (only name and id count).
    newer = parse_codebook(hierarchy_codebook_yaml("99.1.0"), "newer")
    assert etree.fromstring(qdc_bytes(newer)).find("c:Codes/c:Code", NS).get("guid") == \
        root.find("c:Codes/c:Code", NS).get("guid")


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_round_trip_keeps_codes_hierarchy_labels_and_criteria(book, tmp_path, lang):
    path = tmp_path / "book.qdc"
    write_qdc(book, path, lang=lang)
    text = read_qdc(path)
    back = parse_codebook(text, "imported")
    assert (back.name, back.version, back.date) == (book.name, book.version, book.date)
    # Same codes; the file lists each parent's children right after it (depth first).
    assert sorted(back.ids()) == sorted(book.ids())
    after = {c.id: c for c in back.codes}
    for old in book.codes:
        new = after[old.id]
        assert new.label == old.label
        assert new.parent == old.parent
        assert new.colour.lower() == old.colour.lower()
        assert new.status == old.status
        assert words(new.definition.fi) == words(old.definition.fi)
        assert words(new.definition.en) == words(old.definition.en)
        assert [words(x) for x in new.inclusion] == [words(x) for x in old.inclusion]
        assert [words(x) for x in new.exclusion] == [words(x) for x in old.exclusion]
    names = [el.get("name") for el in etree.fromstring(path.read_bytes()).iter(f"{{{CODEBOOK_NS}}}Code")]
    assert names[0] == getattr(book.codes[0].label, lang)


SPEC_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022">
<Codes>
<Code guid="{5215cc69-b628-4e02-afb9-9beeaee55808}" name="Topics" isCodable="false">
  <Code guid="{D7AA29DA-519B-4946-9B90-253B6DB8FD0A}" name="Economy" isCodable="true" color="#ffff00">
    <Description>Anything about jobs or taxes or business</Description>
  </Code>
  <Code guid="{0dcef2f5-e55c-49da-8c33-9b0803c7aeb4}" name="Health care" isCodable="true" color="#3c3">
    <Description>Health care issues, doctor, patients, etc.</Description>
  </Code>
</Code>
<Code guid="9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520" name="Työhyvinvointi ja jaksaminen" isCodable="true"/>
<Code guid="7496ba52-9c8d-4396-8fab-cc438614e453" name="Coke" isCodable="true"/>
<Code guid="d299efae-5779-46dc-9827-a3d1a5d544bc" name="Coke::diet Coke" isCodable="true"/>
<Code guid="12365523-1035-4afa-9e7b-281fe0bc51c5" name="Economy" isCodable="true" color="#0000ff"/>
<Code guid="22365523-1035-4afa-9e7b-281fe0bc51c5" name="2nd wave" isCodable="true"/>
</Codes>
<Sets><Set guid="c8d93ad3-1913-45d4-b2f5-f6681d19ccad" name="Feelings">
  <MemberCode guid="d299efae-5779-46dc-9827-a3d1a5d544bc"/></Set></Sets>
</CodeBook>
"""


def test_import_from_another_tool_derives_ids_from_names(tmp_path, schema):
    path = tmp_path / "maxqda.qdc"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")
    assert_valid(schema, path.read_bytes())
    text = read_qdc(path)
    book = parse_codebook(text, "imported")
    assert book.name == "maxqda" and book.version == "1.0.0"
    assert book.ids() == ["topics", "economy", "health_care", "tyohyvinvointi_ja_jaksaminen", "coke", "diet_coke",
                          "economy_2", "code_2nd_wave"]
    codes = {c.id: c for c in book.codes}
    assert codes["economy"].parent == "topics" and codes["health_care"].parent == "topics"
    assert codes["diet_coke"].parent == "coke" and codes["diet_coke"].label.en == "diet Coke"
    assert codes["economy"].definition.en == codes["economy"].definition.fi == "Anything about jobs or taxes or business"
    assert codes["economy"].colour == "#ffff00" and codes["health_care"].colour == "#33cc33"
    assert codes["tyohyvinvointi_ja_jaksaminen"].label.fi == "Työhyvinvointi ja jaksaminen"
    assert "no description in maxqda.qdc" in codes["coke"].definition.en
    assert all(c.status == "active" for c in book.codes)  # a folder is not a retired code
    assert "origin: MAXQDA 2022" in text and "1 code sets were not imported" in text
    assert "1 codes marked as not codable" in text


@pytest.mark.parametrize("content, message", [
    (b"this is not xml", "not well-formed XML"),
    (b"<?xml version='1.0'?><Project xmlns='urn:QDA-XML:project:1.0' name='p'/>", "without a codebook"),
    (b"<?xml version='1.0'?><html><body/></html>", "root element is <html>"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes/></CodeBook>", "holds no codes"),
])
def test_bad_files_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.qdc"
    path.write_bytes(content)
    with pytest.raises(RefiError, match=message) as err:
        read_qdc(path)
    assert "bad.qdc" in str(err.value)
    with pytest.raises(RefiError, match="cannot read"):
        read_qdc(tmp_path / "missing.qdc")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_export_and_import_qdc(tmp_path, db_url, engine, schema):
    book_file = tmp_path / "hier.yaml"
    book_file.write_text(hierarchy_codebook_yaml(), encoding="utf-8")
    out = tmp_path / "out.qdc"
    r = run("--db", db_url, "export", "--format", "qdc", "--codebook", str(book_file), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert_valid(schema, out.read_bytes())

    # Without --codebook the codebook in use in the project is exported.
    used = parse_codebook(hierarchy_codebook_yaml("99.5.0"), "in use")
    with transaction(engine) as s:
        record_version(s, used, hierarchy_codebook_yaml("99.5.0"))
    r = run("--db", db_url, "export", "--format", "qdc", "-o", str(tmp_path / "in_use.qdc"))
    assert r.exit_code == 0, r.output
    assert "codebook peer_support 99.5.0" in (tmp_path / "in_use.qdc").read_text(encoding="utf-8")

    r = run("codebook", "import-qdc", str(out))
    assert r.exit_code == 0 and sorted(parse_codebook(r.output, "stdout").ids()) == sorted(used.ids())
    target = tmp_path / "imported.yaml"
    assert run("codebook", "import-qdc", str(out), "-o", str(target)).exit_code == 0
    assert sorted(load_codebook(target)[0].ids()) == sorted(used.ids())
    again = run("codebook", "import-qdc", str(out), "-o", str(target))
    assert again.exit_code == 1 and "--force" in again.output
    assert run("codebook", "import-qdc", str(out), "-o", str(target), "--force").exit_code == 0
    bad = tmp_path / "bad.qdc"
    bad.write_text("<nope", encoding="utf-8")
    r = run("codebook", "import-qdc", str(bad))
    assert r.exit_code == 1 and "error: " in r.output and "bad.qdc" in r.output


def test_default_codebook_round_trips(tmp_path):
    book, _ = load_codebook(CODEBOOK)
    path = tmp_path / "default.qdc"
    write_qdc(book, path)
    assert parse_codebook(read_qdc(path), "x").ids() == book.ids()

