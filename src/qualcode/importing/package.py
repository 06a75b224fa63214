"""Open a DOCX file safely or refuse it with a reason a researcher can act on.

Everything is decided from the file's first bytes and the zip directory before any XML is
parsed, so a refusal takes milliseconds: encrypted and legacy .doc files (OLE containers),
RTF, PDF, OpenDocument, .docm, Strict Open XML, truncated or damaged packages, and zip
bombs (a part that would unpack to more than ``MAX_XML_BYTES``).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from lxml import etree

from .docx_text import DocxContent, main_part_name, parse_xml, read_docx

MAX_XML_BYTES = 64 * 1024 * 1024  # uncompressed XML a transcript can plausibly have (a 500-page one has ~10 MB)
MAX_RATIO = 100  # compression ratio of a large part beyond which it is treated as a zip bomb
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
STRICT_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CONVERTIBLE = (".doc", ".odt", ".rtf", ".docm", ".dotx", ".wpd", ".txt")


class ImportRefused(Exception):
    """A file qualcode will not import; names the file, the reason and what to do."""

    def __init__(self, path: str | Path, reason: str, advice: str = "") -> None:
        self.path = str(path)
        self.reason = reason
        self.advice = advice
        super().__init__(f"{self.path}: {reason}" + (f" ({advice})" if advice else ""))

    @property
    def message(self) -> str:
        return self.reason + (f"; {self.advice}" if self.advice else "")


def _ole_kind(path: Path) -> str:
    """'encrypted' for a password-protected Office file, 'doc' for Word 97-2003, else 'ole'."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in head:
        return "doc"
    return "ole"


def sniff(path: Path) -> None:
    """Refuse what is not a .docx by its first bytes; returns quietly for a zip package."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ImportRefused(path, f"cannot read the file: {exc.strerror}", "check the path and permissions") from exc
    if not head:
        raise ImportRefused(path, "the file is empty (0 bytes)", "check that this is the right file")
    if head.startswith(OLE_MAGIC):
        kind = _ole_kind(path)
        if kind == "encrypted":
            raise ImportRefused(path, "the document is password-protected (encrypted)",
                                "open it in Word, remove the password (File > Info > Protect Document) and save")
        if kind == "doc":
            raise ImportRefused(path, "this is a legacy Word 97-2003 document (.doc), not .docx",
                                "open it in Word and save as Word Document (.docx), or import with --convert")
        raise ImportRefused(path, "this is an old Office binary file, not a Word .docx document",
                            "open it in Word and save as Word Document (.docx)")
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if stripped.startswith(b"{\\rtf"):
        raise ImportRefused(path, "this is an RTF file, not .docx",
                            "open it in Word and save as Word Document (.docx), or import with --convert")
    if stripped.startswith(b"%PDF"):
        raise ImportRefused(path, "this is a PDF file, not .docx",
                            "export the transcript from its original program as .docx")
    if stripped[:5].lower() in (b"<html", b"<!doc") or stripped.startswith(b"MIME-Version"):
        raise ImportRefused(path, "this is a web page (HTML/MHT) saved with a Word extension, not .docx",
                            "open it in Word and save as Word Document (.docx)")
    if not head.startswith(ZIP_MAGIC):
        raise ImportRefused(path, "not a Word .docx file (it is not a zip package)",
                            "open it in Word or LibreOffice and save as .docx")
    if not zipfile.is_zipfile(path):
        raise ImportRefused(path, "the file is truncated or damaged (its zip directory is missing)",
                            "copy it again from the original source, or open it in Word to repair it and save")


def _check_package(path: Path, zf: zipfile.ZipFile, parts: list[str]) -> None:
    names = set(zf.namelist())
    if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
        raise ImportRefused(path, "this is an OpenDocument file (.odt), not .docx",
                            "save it as Word Document (.docx) in LibreOffice or Word, or import with --convert")
    if "[Content_Types].xml" not in names:
        raise ImportRefused(path, "the zip package has no [Content_Types].xml; it is not a Word document",
                            "save it as .docx in Word")
    total = 0
    for info in zf.infolist():
        if info.filename not in parts:
            continue
        total += info.file_size
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if info.file_size > MAX_XML_BYTES or (info.file_size > 10_000_000 and ratio > MAX_RATIO):
            raise ImportRefused(path, f"part {info.filename} would unpack to {info.file_size:,} bytes "
                                f"(limit {MAX_XML_BYTES:,}, compression ratio {ratio:.0f})",
                                "this looks like a zip bomb or a damaged file; open and re-save it in Word")
    if total > MAX_XML_BYTES:
        raise ImportRefused(path, f"the document's XML would unpack to {total:,} bytes (limit {MAX_XML_BYTES:,})",
                            "split the document into smaller files and import them separately")
    types = zf.read("[Content_Types].xml")
    if DOCM_MAIN.encode() in types:
        raise ImportRefused(path, "macro-enabled document (.docm renamed to .docx)",
                            "save it as Word Document (.docx) in Word")


def open_docx(path: str | Path) -> DocxContent:
    """Read a .docx file's text, or raise ImportRefused. Never raises anything else for bad input."""
    path = Path(path)
    if path.suffix.lower() in (".docm", ".dotm"):
        raise ImportRefused(path, "macro-enabled documents (.docm) are not imported",
                            "save it as Word Document (.docx) in Word")
    sniff(path)
    try:
        with zipfile.ZipFile(path) as zf:
            if any(i.flag_bits & 0x1 for i in zf.infolist()):
                raise ImportRefused(path, "the zip package is encrypted", "save it again as .docx without a password")
            main = main_part_name(zf)
            parts = [main, "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml", "docProps/core.xml",
                     "docProps/custom.xml"]
            _check_package(path, zf, parts)
            if main not in set(zf.namelist()):
                raise ImportRefused(path, f"the main document part {main} is missing",
                                    "the file is damaged; open it in Word and save again")
            root = parse_xml(zf.read(main))
            if root.tag.startswith(f"{{{STRICT_NS}}}"):
                raise ImportRefused(path, "the document is saved in Strict Open XML format, which is not supported",
                                    "in Word choose File > Save As > Word Document (.docx), not Strict Open XML")
            return read_docx(zf, root)
    except ImportRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise ImportRefused(path, f"the file is damaged or truncated ({exc})",
                            "open it in Word to repair it and save again") from exc
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(path, f"the document XML is damaged ({exc})",
                            "open it in Word to repair it and save again") from exc
    except (KeyError, ValueError, OSError, RuntimeError, NotImplementedError, RecursionError) as exc:
        raise ImportRefused(path, f"the file cannot be read ({exc.__class__.__name__}: {exc})",
                            "open it in Word and save as .docx again") from exc
