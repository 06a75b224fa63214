"""REFI-QDA codebook files (.qdc): qualcode codebook -> Codebook.xsd XML, and any tool's .qdc -> codebook YAML."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from lxml import etree

from ..codebook import Codebook, CodebookError, parse_codebook
from ..exports.files import write_atomic
from .codes import assign_ids, add_code_elements, codebook_dict, read_code_elements, slug
from .common import (
    CODEBOOK_NS,
    PROJECT_NS,
    XSI_NS,
    RefiError,
    kid,
    kids,
    local,
    parse_xml,
    qualcode_version,
    schema_location,
    schema_problems,
    serialise,
    xml_safe,
)

_ORIGIN = re.compile(r"codebook (?P<name>[a-z][a-z0-9_]*) (?P<version>\d+\.\d+(?:\.\d+)?)(?: \((?P<date>[^)]*)\))?")


def origin(book: Codebook) -> str:
    """The ``origin`` attribute: which software wrote the file and which codebook version it holds."""
    return f"qualcode {qualcode_version()}; codebook {book.name} {book.version} ({book.date})"


def qdc_bytes(book: Codebook, lang: str = "en") -> bytes:
    """The codebook as a REFI-QDA .qdc document; raises RefiError if it would not validate."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", schema_location(CODEBOOK_NS))
    root.set("origin", xml_safe(origin(book)))
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    if not book.codes:
        raise RefiError(f"codebook {book.name} {book.version} has no codes; a .qdc file needs at least one")
    add_code_elements(codes, CODEBOOK_NS, book.name, list(book.codes), lang)
    problems = schema_problems(root, CODEBOOK_NS)
    if problems:  # a bug in qualcode, not in the user's data: refuse to write an invalid file
        raise RefiError(f"internal error: the .qdc for {book.name} does not validate: {'; '.join(problems)}")
    return serialise(root)


def write_qdc(book: Codebook, path: Path, lang: str = "en") -> None:
    """Write ``book`` as a .qdc file (code names in ``lang``), atomically."""
    if lang not in ("fi", "en"):
        raise RefiError(f"language must be fi or en, not {lang!r}")
    write_atomic(path, qdc_bytes(book, lang))


def read_qdc(path: Path) -> str:
    """A .qdc file (from qualcode or another tool) as qualcode codebook YAML, checked by ``parse_codebook``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RefiError(f"{path}: cannot read: {exc.strerror}") from exc
    root = parse_xml(data, str(path))
    notes: list[str] = []
    if local(root.tag) == "Project":  # a project.qde handed in by mistake still has a codebook
        book_el = kid(root, "CodeBook")
        if book_el is None:
            raise RefiError(f"{path}: a REFI-QDA project file without a codebook")
    elif local(root.tag) == "CodeBook":
        book_el = root
    else:
        raise RefiError(f"{path}: not a REFI-QDA codebook: the root element is <{local(root.tag)}>, "
                        "expected <CodeBook>; export the codebook as .qdc from the other tool")
    namespace = etree.QName(root).namespace
    if namespace in (CODEBOOK_NS, PROJECT_NS):
        problems = schema_problems(root, namespace)
        if problems:
            notes.append(f"the file does not validate against the REFI-QDA schema ({problems[0]}); "
                         "read what could be read")
    else:
        notes.append(f"unexpected namespace {namespace!r} (REFI-QDA 1.0 uses {CODEBOOK_NS!r}); read by element names")
    codes_el = kid(book_el, "Codes")
    infos = read_code_elements(codes_el) if codes_el is not None else []
    if not infos:
        raise RefiError(f"{path}: the codebook holds no codes")
    assign_ids(infos)
    text = codebook_yaml(infos, root.get("origin") or book_el.get("origin") or "", path.name, notes)
    sets = kid(book_el, "Sets")
    if sets is not None and kids(sets, "Set"):
        text = f"# {len(kids(sets, 'Set'))} code sets were not imported (qualcode has no code sets).\n" + text
    return text


def codebook_yaml(infos, origin_text: str, source: str, notes: list[str] | None = None,
                  default_name: str | None = None, version: str = "1.0.0") -> str:
    """YAML text for the codes read from ``source``; name and version from a qualcode origin when there is one."""
    m = _ORIGIN.search(origin_text or "")
    if m and m.group("date"):
        name, version, when, changelog = m.group("name"), m.group("version"), m.group("date"), None
    else:
        name = slug(default_name or Path(source).stem)
        when = date.today().isoformat()
        changelog = f"Imported from {source}" + (f" (written by {origin_text})" if origin_text else "") + "."
    data = codebook_dict(infos, name=name, version=version, date=when, source=source, changelog=changelog)
    header = [f"# Codebook read from the REFI-QDA file {source}"
              + (f" (origin: {origin_text})." if origin_text else ".")]
    header.append("# REFI-QDA carries names, colours, descriptions and hierarchy only: add patterns and examples")
    header.append("# before tagging with it, and check ids that were derived from code names.")
    folders = sum(not i.codable and i.status == "active" for i in infos)
    if folders:
        header.append(f"# {folders} codes marked as not codable (folders) became ordinary codes.")
    header += [f"# Note: {n}" for n in notes or []]
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    text = "\n".join(header) + "\n" + body
    try:
        parse_codebook(text, source)
    except CodebookError as exc:
        raise RefiError(f"{source}: the codebook read from it is not valid: {exc}") from exc
    return text
