"""Refusals, never crashes: bad files, bad attributes, name clashes and failed writes leave the
database as it was, and every message names the file, the reason and what to do."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from qualcode.cli import main
from qualcode.importing import ImportOptions, import_file, import_files, read_manifest
from qualcode.importing import convert
from qualcode.importing.package import MAX_XML_BYTES
from qualcode.store import transaction
from qualcode.store.models import Participant, Transcript, Turn

from .test_import_corpus import snapshot
from .test_import_docxmaker import DOCM_MAIN, kv_table, para, word_transcript, write_docx

STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def good_body(stakeholder: str = "johto") -> str:
    return kv_table({"Sidosryhmä": stakeholder}) + para("H: Kysymys?") + para("V: Vastaus.")


def bomb(path: Path) -> Path:
    """A real zip bomb: document.xml unpacks to more than the limit, compressed ~1000:1."""
    write_docx(path, good_body())
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(path.with_suffix(".tmp"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                with dst.open("word/document.xml", "w") as fh:
                    head = src.read(info.filename)
                    fh.write(head[:-len(b"</w:body></w:document>")])
                    chunk = b" " * (1 << 20)
                    for _ in range(MAX_XML_BYTES // len(chunk) + 2):
                        fh.write(chunk)
                    fh.write(b"</w:body></w:document>")
            else:
                dst.writestr(info, src.read(info.filename))
    path.with_suffix(".tmp").replace(path)
    return path


def bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, words the refusal must contain)."""
    out = {}
    (tmp / "empty.docx").write_bytes(b"")
    out["empty"] = (tmp / "empty.docx", "empty (0 bytes)")
    (tmp / "notes.docx").write_text("H: tämä on tekstitiedosto\n", encoding="utf-8")
    out["text renamed"] = (tmp / "notes.docx", "not a zip package")
    good = write_docx(tmp / "good.docx", good_body())
    (tmp / "cut.docx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    out["truncated"] = (tmp / "cut.docx", "truncated")
    out["docm renamed"] = (write_docx(tmp / "macro.docx", good_body(), main_type=DOCM_MAIN), "macro-enabled")
    out["strict"] = (write_docx(tmp / "strict.docx", good_body(), root_ns=STRICT_W), "Strict Open XML")
    out["zip bomb"] = (bomb(tmp / "bomb.docx"), "zip bomb")
    (tmp / "report.docx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    out["pdf"] = (tmp / "report.docx", "PDF")
    (tmp / "old.docx").write_bytes(b"{\\rtf1\\ansi Haastattelu}")
    out["rtf renamed"] = (tmp / "old.docx", "RTF")
    (tmp / "page.docx").write_text("<html><body>H: hei</body></html>")
    out["html renamed"] = (tmp / "page.docx", "web page")
    broken = tmp / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, data[:-30] if info.filename == "word/document.xml" else data)
    out["bad xml"] = (broken, "XML is damaged")
    nodoc = tmp / "nodoc.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(nodoc, "w") as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, src.read(info.filename))
    out["no main part"] = (nodoc, "main document part word/document.xml is missing")
    odt = tmp / "odt.docx"
    with zipfile.ZipFile(odt, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    out["odt renamed"] = (odt, "OpenDocument")
    out["unknown stakeholder"] = (write_docx(tmp / "stake.docx", good_body("asiakkaat")), "unknown stakeholder type")
    return out


@pytest.fixture
def project(engine, sample_docx):
    assert import_file(engine, sample_docx[0]).status == "imported"
    return engine


def test_bad_files_are_refused_with_a_clear_message_and_nothing_written(tmp_path, project):
    before = snapshot(project)
    for what, (path, why) in bad_files(tmp_path).items():
        report = import_file(project, path)
        assert report.status == "failed", what
        assert why in report.message, f"{what}: {report.message}"
        advice = report.message.split(";", 1)[1] if ";" in report.message else ""
        assert advice.strip(), f"{what}: no advice in {report.message!r}"
        assert report.path == str(path)
    assert snapshot(project) == before


def test_unknown_attribute_values_name_file_source_and_allowed_values(tmp_path, engine):
    path = write_docx(tmp_path / "m05.docx", good_body("asiakkaat"))
    report = import_file(engine, path)
    assert report.status == "failed"
    assert report.message.startswith("header table: unknown stakeholder type 'asiakkaat'")
    assert report.path == str(path)
    assert "management, gig_worker, ohs" in report.message and "johto" in report.message
    ok = import_file(engine, path, attributes={"stakeholder": "TTH"})  # --attr overrides the table
    assert ok.status == "imported" and ok.attributes["stakeholder"] == "ohs"
    bad = import_file(engine, write_docx(tmp_path / "m06.docx", good_body()),
                      attributes={"organisation_type": "hotelli"})
    assert bad.status == "failed" and bad.message.startswith("--attr: unknown organisation type 'hotelli'")
    assert "user_company" in bad.message


def test_cli_batch_reports_each_file_and_exits_non_zero(tmp_path, sample_docx):
    db = f"sqlite:///{tmp_path / 'b.db'}"
    bad = bad_files(tmp_path)
    files = [str(sample_docx[1]), str(bad["truncated"][0]), str(sample_docx[2]), str(bad["strict"][0])]
    res = CliRunner().invoke(main, ["--db", db, "import", *files])
    assert res.exit_code == 1
    lines = re.findall(r"(imported|FAILED) +(\S+?):? ", res.output)
    assert lines == [("imported", files[0]), ("FAILED", files[1]), ("imported", files[2]), ("FAILED", files[3])]
    assert "2 imported, 0 skipped, 2 failed" in res.output
    assert f"FAILED   {files[1]}: the file is truncated or damaged" in res.output


def test_reimport_identical_skipped_changed_refused_unless_replace(tmp_path, engine):
    path = word_transcript(tmp_path / "v1.docx", [("H", "Kysymys?"), ("V", "Vastaus.")],
                           header={"Sidosryhmä": "johto"})
    assert import_file(engine, path).status == "imported"
    again = import_file(engine, path)
    assert again.status == "skipped" and "identical" in again.message
    other_name = import_file(engine, path, name="kopio")
    assert other_name.status == "skipped" and "'v1'" in other_name.message
    changed = word_transcript(tmp_path / "changed" / "v1.docx" if (tmp_path / "changed").mkdir() is None else None,
                              [("H", "Kysymys?"), ("V", "Vastaus."), ("H", "Lisäkysymys?")],
                              header={"Sidosryhmä": "johto"})
    before = snapshot(engine)
    clash = import_file(engine, changed)
    assert clash.status == "failed" and "--replace" in clash.message and "--name" in clash.message
    assert snapshot(engine) == before
    replaced = import_file(engine, changed, replace=True)
    assert replaced.status == "replaced" and replaced.turns == 3
    renamed = import_file(engine, word_transcript(tmp_path / "x.docx", [("H", "Eri?"), ("V", "Eri.")],
                                                  header={"Sidosryhmä": "ohs"}), name="M99")
    assert renamed.status == "imported" and renamed.name == "M99"
    with transaction(engine) as s:
        names = sorted(s.scalars(select(Transcript.name)))
        turns = s.scalar(select(func.count()).select_from(Turn).join(Transcript).where(Transcript.name == "v1"))
    assert names == ["M99", "v1"] and turns == 3


def test_a_failed_write_leaves_nothing_of_the_file(tmp_path, project):
    """The database aborts half-way through (a real trigger): no transcript, turn or person remains."""
    with project.begin() as conn:
        if project.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON turns WHEN NEW.speaker = 'Räjähdys' "
                              "BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END"))
        else:
            conn.execute(text("CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "IF NEW.speaker = 'Räjähdys' THEN RAISE EXCEPTION 'simulated disk failure'; END IF; "
                              "RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON turns FOR EACH ROW EXECUTE FUNCTION boom()"))
    lines = [("H", "Alku."), ("V", "Keski."), ("Räjähdys", "Tähän se kaatuu."), ("V", "Loppu.")]
    path = word_transcript(tmp_path / "fail.docx", lines, header={"Sidosryhmä": "johto"})
    before = snapshot(project)
    report = import_file(project, path)
    assert report.status == "failed" and "database" in report.message and "nothing" in report.message
    assert snapshot(project) == before
    with transaction(project) as s:
        assert s.scalar(select(func.count()).select_from(Participant).where(Participant.label == "Räjähdys")) == 0


def test_manifest_attributes_rank_between_header_and_attr(tmp_path, engine):
    a = word_transcript(tmp_path / "A.docx", [("H", "Hei?"), ("V", "Moi.")], header={"Sidosryhmä": "johto",
                                                                                   "Kesto": "20 min"})
    b = word_transcript(tmp_path / "B.docx", [("H", "Hei?"), ("V", "Moi.")])
    c = word_transcript(tmp_path / "C.docx", [("H", "Hei?"), ("V", "Moi.")])
    manifest = tmp_path / "manifest.csv"
    # Finnish Excel: semicolons, Windows encoding.
    manifest.write_bytes("tiedosto;Sidosryhmä;Organisaatiotyyppi;Päivämäärä;name\n"
                         "A.docx;työterveyshuolto;työterveyshuolto;1.2.2026;\n"
                         "B;keikkatyöntekijät;tuottaja;2026-02-03;G-B\n".encode("cp1252"))
    opts = ImportOptions(manifest=read_manifest(manifest), attributes={"organisation_type": "välittäjä"})
    reports = {Path(r.path).name: r for r in import_files(engine, [a, b, c], opts)}
    assert reports["A.docx"].attributes == {"stakeholder": "ohs", "organisation_type": "intermediary",
                                            "date": "2026-02-01", "duration": "20 min"}
    assert reports["B.docx"].name == "G-B" and reports["B.docx"].attributes["stakeholder"] == "gig_worker"
    assert reports["C.docx"].status == "failed" and "not listed in the manifest manifest.csv" in reports["C.docx"].message


@pytest.mark.parametrize("content,error", [
    ("Sidosryhmä,Päivämäärä\njohto,1.1.2026\n", "no file column"),
    ("file,Sidosryhmä\nA.docx,johto\nA.docx,ohs\n", "listed twice (also on line 2)"),
    ("file,Sidosryhmä\n", "no files"),
    ("file,Sidosryhmä\nA.docx,johto,extra,more\n", "line 2: 4 values but 2 columns"),
])
def test_manifest_errors_name_file_and_line(tmp_path, content, error):
    path = tmp_path / "m.csv"
    path.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "import", "--manifest", str(path),
                                    str(tmp_path / "A.docx")])
    assert res.exit_code == 2 and error in res.output and str(path) in res.output


def test_bad_options_exit_2_before_touching_anything(tmp_path, sample_docx):
    db = tmp_path / "o.db"
    runner = CliRunner()
    res = runner.invoke(main, ["--db", f"sqlite:///{db}", "import", "--attr", "stakeholder", str(sample_docx[0])])
    assert res.exit_code == 2 and "expected key=value" in res.output
    res = runner.invoke(main, ["--db", f"sqlite:///{db}", "import", "--speaker-pattern", "([", str(sample_docx[0])])
    assert res.exit_code == 2 and "not a valid regular expression" in res.output
    res = runner.invoke(main, ["--db", f"sqlite:///{db}", "import", "--name", "x", *map(str, sample_docx[:2])])
    assert res.exit_code == 2 and "one file" in res.output
    assert not db.exists()


def test_legacy_formats_get_a_pointer_to_convert(tmp_path, engine):
    rtf = tmp_path / "haastattelu.rtf"
    rtf.write_text(r"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 H: Kysymys?\par V: Vastaus.\par}", encoding="ascii")
    report = import_file(engine, rtf)
    assert report.status == "failed" and ".rtf files are not read directly" in report.message
    assert ("--convert" in report.message) == convert.available()


@pytest.mark.slow
@pytest.mark.skipif(not convert.available(), reason="LibreOffice (soffice) is not installed")
def test_convert_doc_odt_rtf_with_libreoffice(tmp_path, sample_docx):
    src = sample_docx[-1]  # ohs_group
    profile = tmp_path / "profile"
    for fmt in ("doc", "odt"):
        subprocess.run([convert.soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", fmt, "--outdir", str(tmp_path), str(src)], check=True, capture_output=True,
                       timeout=180)
    rtf = tmp_path / "lyhyt.rtf"
    rtf.write_text(r"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 Sidosryhm\'e4: johto\par H: Kysymys?\par V: Vastaus.\par}",
                   encoding="ascii")
    doc, odt = tmp_path / f"{src.stem}.doc", tmp_path / f"{src.stem}.odt"
    renamed = tmp_path / "renamed.docx"
    shutil.copy(doc, renamed)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    res = CliRunner().invoke(main, ["--db", db, "import", str(doc), str(renamed)])
    assert res.exit_code == 1 and "legacy Word 97-2003" in res.output and "--convert" in res.output
    res = CliRunner().invoke(main, ["--db", db, "import", "--convert", "--name", "doc", str(doc)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["--db", db, "import", "--convert", "--name", "odt", str(odt)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["--db", db, "import", "--convert", str(rtf)])
    assert res.exit_code == 0, res.output
    from qualcode.importing import read_transcript
    from qualcode.store import make_engine
    from qualcode.store import transcripts as store

    original = read_transcript(src)
    with transaction(make_engine(db)) as s:
        for name in ("doc", "odt"):
            t = store.as_dict(store.load(s, name))
            assert [x["speaker"] for x in t["turns"]] == [x.speaker for x in original.turns]
            assert t["attributes"]["stakeholder"] == "ohs" and t["source_file"] == f"{src.stem}.{name}"
        short = store.as_dict(store.load(s, "lyhyt"))
    assert [(x["speaker"], x["text"]) for x in short["turns"]] == [("H", "Kysymys?"), ("V", "Vastaus.")]
    assert short["attributes"]["stakeholder"] == "management"


def test_damaged_copies_never_crash_the_reader(tmp_path, sample_docx):
    """Bytes flipped or cut anywhere in a real transcript: imported or refused, nothing else."""
    import random

    from qualcode.importing import ImportRefused, read_transcript

    rng = random.Random(7)
    original = sample_docx[0].read_bytes()
    outcomes = {"imported": 0, "refused": 0}
    for i in range(40):
        data = bytearray(original)
        if i % 4 == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"damaged{i}.docx"
        path.write_bytes(bytes(data))
        try:
            read_transcript(path)
            outcomes["imported"] += 1
        except ImportRefused as exc:
            assert exc.reason and exc.advice, exc
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0


def test_xml_bombs_are_harmless(tmp_path):
    from qualcode.importing import ImportRefused, read_transcript

    laughs = ('<!DOCTYPE d [<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    path = write_docx(tmp_path / "laughs.docx", "<w:p><w:r><w:t>V: alku &d; loppu</w:t></w:r></w:p>")
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = laughs.encode() + parts["word/document.xml"]
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in parts.items():
            zf.writestr(n, d)
    data = read_transcript(path)
    assert data.text == "V: alku  loppu"  # the entity is never expanded
    deep = write_docx(tmp_path / "deep.docx", "<w:p>" + "<w:r>" * 5000 + "</w:r>" * 5000 + "</w:p>")
    with pytest.raises(ImportRefused, match="XML is damaged"):
        read_transcript(deep)
