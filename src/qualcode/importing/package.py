"""Open a DOCX file safely or refuse it with a reason a researcher can act on."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from .docx_text import DocxContent, main_part_name, parse_xml, read_docx

MAX_XML_BYTES = 200 * 1024 * 1024  # uncompressed XML a transcript can plausibly have
MAX_RATIO = 200  # compression ratio beyond which a part is treated as a zip bomb
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STRICT_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


class ImportRefused(Exception):
    """A file qualcode will not import; names the file, the reason and what to do."""

    def __init__(self, path: str | Path, reason: str, advice: str = "") -> None:
        self.path = str(path)
        self.reason = reason
        self.advice = advice
        super().__init__(f"{self.path}: {reason}" + (f" ({advice})" if advice else ""))


def _check_sizes(path: Path, zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > MAX_XML_BYTES or (
            info.compress_size and info.file_size > 1_000_000 and info.file_size / info.compress_size > MAX_RATIO
        ):
            raise ImportRefused(path, f"part {info.filename} would unpack to {info.file_size:,} bytes",
                                "this looks like a zip bomb or a damaged file; open and re-save it in Word")
    if total > MAX_XML_BYTES:
        raise ImportRefused(path, f"the package would unpack to {total:,} bytes (limit {MAX_XML_BYTES:,})",
                            "split the document or remove embedded media and save again")


def open_docx(path: str | Path) -> DocxContent:
    """Read a .docx file's text, or raise ImportRefused. Never raises anything else for bad input."""
    path = Path(path)
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise ImportRefused(path, f"cannot read the file: {exc.strerror}", "check the path and permissions") from exc
    if head.startswith(OLE_MAGIC):
        raise ImportRefused(path, "the file is password-protected or a legacy Word 97-2003 (.doc) file",
                            "remove the password, or open it in Word and save as .docx (Word Document)")
    if path.suffix.lower() == ".docm":
        raise ImportRefused(path, "macro-enabled documents (.docm) are not imported",
                            "save it as .docx (Word Document) in Word")
    if not zipfile.is_zipfile(path):
        raise ImportRefused(path, "not a Word .docx file (it is not a zip package)",
                            "open it in Word or LibreOffice and save as .docx")
    try:
        with zipfile.ZipFile(path) as zf:
            _check_sizes(path, zf)
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names:
                raise ImportRefused(path, "the zip package has no [Content_Types].xml; it is not a Word document",
                                    "save it as .docx in Word")
            types = zf.read("[Content_Types].xml")
            if DOCM_MAIN.encode() in types:
                raise ImportRefused(path, "macro-enabled document (.docm renamed to .docx)",
                                    "save it as .docx (Word Document) in Word")
            main = main_part_name(zf)
            if main not in names:
                raise ImportRefused(path, f"the main document part {main} is missing",
                                    "the file is damaged; open it in Word and save again")
            root = parse_xml(zf.read(main))
            if root.tag.startswith(f"{{{STRICT_NS}}}"):
                raise ImportRefused(path, "Strict Open XML format is not supported",
                                    "in Word choose Save As > Word Document (.docx), not Strict Open XML")
            return read_docx(zf)
    except ImportRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ImportRefused(path, f"the file is damaged or truncated ({exc})",
                            "open it in Word to repair it and save again") from exc
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(path, f"the document XML is damaged ({exc})",
                            "open it in Word to repair it and save again") from exc
    except (KeyError, ValueError, OSError, RuntimeError, NotImplementedError) as exc:
        raise ImportRefused(path, f"the file cannot be read ({exc.__class__.__name__}: {exc})",
                            "open it in Word and save as .docx again") from exc
