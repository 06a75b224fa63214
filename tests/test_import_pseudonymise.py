"""--pseudonymise: names found by the Finnish NER and a user list become stable placeholders;
the mapping lives in its own table and can be deleted with one command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.importing import ImportOptions, import_file
from qualcode.pseudonymise import read_name_list
from qualcode.store import transaction
from qualcode.store import pseudonyms
from qualcode.store import transcripts as store

from .test_import_corpus import snapshot
from .test_import_docxmaker import p, para, r, write_docx

REAL_NAMES = ("Matti", "Virtanen", "Virtasen", "Matin", "Anna Korhonen", "Annan", "Acme", "Pekka", "Nieminen",
              "Kallio")


@pytest.fixture(scope="module")
def ner():
    from qualcode.nlp import load_pipeline

    return load_pipeline(with_ner=True)


def interview_a(tmp_path):
    body = "".join([
        para("Haastattelu M10"),
        "<w:tbl><w:tblPr/>" + "".join(
            f"<w:tr><w:tc><w:tcPr/>{para(k)}</w:tc><w:tc><w:tcPr/>{para(v)}</w:tc></w:tr>"
            for k, v in {"Sidosryhmä": "johto", "Organisaatio": "Acme Oy"}.items()) + "</w:tbl>",
        p(r("H:", True), r(" Kerro esimiehestäsi.")),
        p(r("V:", True), r(" No Matti Virtanen on meidän esimies, ja Matin kanssa on helppo puhua. "),
          '<w:commentRangeStart w:id="1"/>', r("Acme Oy:n kautta tuli keikkoja."), '<w:commentRangeEnd w:id="1"/>'),
        p(r("H:", True), r(" Entä Anna Korhonen [00:03:10]?")),
        p(r("V:", True), r(" Annan kanssa me tehtiin [naurua] keikkoja Kallion kanssa.")),
    ])
    return write_docx(tmp_path / "a.docx", body, comments={"1": ("Tutkija", "Acme Oy mainittu; kysy Matti Virtaselta")})


def interview_b(tmp_path):
    body = "".join([
        para("Sidosryhmä: johto"),
        p(r("Pekka Nieminen:", True), r(" Virtasen Matti soitti eilen.")),
        p(r("H:", True), r(" Ja sitten?")),
        p(r("Pekka Nieminen:", True), r(" Acme Oy maksoi.")),
    ])
    return write_docx(tmp_path / "b.docx", body)


def test_names_become_stable_placeholders_and_offsets_hold(tmp_path, engine, ner):
    names = tmp_path / "names.txt"
    names.write_text("# firms and people the NER may miss\nyritys: Acme Oy\nKallio\n", encoding="utf-8")
    opts = ImportOptions(pseudonymise=True, name_list=read_name_list(names), nlp=ner)
    for f in (interview_a(tmp_path), interview_b(tmp_path)):
        assert import_file(engine, f, opts).status == "imported"
    with transaction(engine) as s:
        a, b = (store.as_dict(store.load(s, n)) for n in ("a", "b"))
        mapping = {m["placeholder"]: m["name"] for m in pseudonyms.mapping(s)}
    turns_a = [(t["speaker"], t["text"]) for t in a["turns"]]
    matti = next(ph for ph, name in mapping.items() if name == "Matti Virtanen")
    anna = next(ph for ph, name in mapping.items() if name == "Anna Korhonen")
    acme = next(ph for ph, name in mapping.items() if name == "Acme Oy")
    kallio = next(ph for ph, name in mapping.items() if name.startswith("Kallio"))
    assert acme.startswith("[Yritys ") and matti.startswith("[Henkilö ")
    assert turns_a == [
        ("H", "Kerro esimiehestäsi."),
        ("V", f"No {matti} on meidän esimies, ja {matti} kanssa on helppo puhua. {acme} kautta tuli keikkoja."),
        ("H", f"Entä {anna} [00:03:10]?"),
        ("V", f"{anna} kanssa me tehtiin [naurua] keikkoja {kallio} kanssa."),
    ]
    assert a["attributes"]["organisation"] == acme and a["attributes"]["pseudonymised"] == "yes"
    # The same people in another transcript get the same placeholders ("Virtasen Matti" is Matti Virtanen).
    pekka = next(ph for ph, name in mapping.items() if name == "Pekka Nieminen")
    assert [(t["speaker"], t["text"]) for t in b["turns"]] == [
        (pekka, f"{matti} soitti eilen."), ("H", "Ja sitten?"), (pekka, f"{acme} maksoi.")]
    assert {pp["label"] for pp in b["participants"]} == {pekka, "H"}
    # Offsets still cut the right text; annotations moved with it; the memo is pseudonymised and anchored.
    for d in (a, b):
        for t in d["turns"]:
            assert d["text"][t["start"]:t["end"]] == t["text"]
        for ann in d["annotations"]:
            assert d["text"][ann["start"]:ann["end"]] == ann["text"]
    assert {ann["text"] for ann in a["annotations"] if ann["kind"] == "placeholder"} >= {matti, acme, anna}
    memo = a["memos"][0]
    assert memo["text"] == f"{acme} mainittu; kysy {matti}"
    assert a["text"][memo["start"]:memo["end"]] == f"{acme} kautta tuli keikkoja."
    # No real name is stored anywhere but in the mapping table.
    dump = json.dumps({k: v for k, v in snapshot(engine).items() if k != "pseudonyms"}, default=str,
                      ensure_ascii=False)
    for name in REAL_NAMES:
        assert name not in dump, name


def test_mapping_deleted_with_one_command_and_numbers_never_reused(tmp_path, db_url, engine, ner):
    opts = ImportOptions(pseudonymise=True, nlp=ner)
    assert import_file(engine, interview_b(tmp_path), opts).ok
    with transaction(engine) as s:
        before = store.as_dict(store.load(s, "b"))
        used = {m["placeholder"] for m in pseudonyms.mapping(s)}
    assert used
    runner = CliRunner()
    listed = runner.invoke(main, ["--db", db_url, "pseudonyms", "list", "--json"])
    assert {m["name"] for m in json.loads(listed.output)} >= {"Pekka Nieminen"}
    res = runner.invoke(main, ["--db", db_url, "pseudonyms", "delete", "--yes"])
    assert res.exit_code == 0 and f"deleted {len(used)} pseudonym" in res.output
    with transaction(engine) as s:
        assert pseudonyms.count(s) == 0
        assert store.as_dict(store.load(s, "b"))["text"] == before["text"]  # transcripts keep their placeholders
    if engine.dialect.name == "sqlite":  # nothing left in the file's free pages either
        assert "Pekka" not in (tmp_path / "project.db").read_bytes().decode("utf-8", "replace")
    # A new import after deletion does not hand out a placeholder that is already in a transcript.
    other = write_docx(tmp_path / "c.docx", para("Sidosryhmä: johto") + para("V: Liisa Laine soitti."))
    assert import_file(engine, other, opts).ok
    with transaction(engine) as s:
        new = {m["placeholder"] for m in pseudonyms.mapping(s)}
    assert new and not (new & used)


def test_without_the_option_names_stay(tmp_path, engine):
    assert import_file(engine, interview_b(tmp_path)).ok
    with transaction(engine) as s:
        assert "Pekka Nieminen" in store.as_dict(store.load(s, "b"))["text"]
        assert pseudonyms.count(s) == 0
