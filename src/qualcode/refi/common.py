"""What the REFI-QDA readers and writers share: namespaces, safe XML, schemas, dates, atomic writes."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_FILES = {CODEBOOK_NS: "Codebook.xsd", PROJECT_NS: "Project-mrt2019.xsd"}

# Never resolve entities, never touch the network: files come from other people's machines.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                         remove_comments=True, remove_pis=True)

# Characters XML 1.0 cannot hold (control characters other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RefiError(ValueError):
    """A REFI-QDA file that cannot be read or written; the message says which file, what and what to do."""


def xml_safe(text: str) -> str:
    """``text`` with characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def local(tag) -> str:
    """An element's name without its namespace (files from other tools use older namespaces)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""  # comments and PIs have no str tag


def kids(element, name: str) -> list:
    """Direct children called ``name``, whatever their namespace."""
    return [c for c in element if local(c.tag) == name]


def kid(element, name: str):
    found = kids(element, name)
    return found[0] if found else None


def text_of(element, name: str) -> str | None:
    child = kid(element, name)
    return child.text if child is not None and child.text is not None else None


def parse_xml(data: bytes, where: str):
    """The root element of ``data``; a RefiError names the file and the line if it is not XML."""
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise RefiError(f"{where}: not well-formed XML{line}: {exc.msg}; the file is damaged or is not a "
                        "REFI-QDA export") from exc


@cache
def schema(namespace: str) -> etree.XMLSchema:
    """The bundled REFI-QDA schema for ``namespace`` (codebook or project)."""
    data = resources.files("qualcode.refi").joinpath("schemas", SCHEMA_FILES[namespace]).read_bytes()
    return etree.XMLSchema(etree.fromstring(data))


def schema_problems(root, namespace: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` schema violations of ``root`` as 'line N: message' (empty when valid)."""
    checker = schema(namespace)
    if checker.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in list(checker.error_log)[:limit]]


def serialise(root) -> bytes:
    """UTF-8 XML with the usual double-quoted declaration, indented (deterministic for the same tree)."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def schema_location(namespace: str) -> str:
    online = {CODEBOOK_NS: "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd",
              PROJECT_NS: "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"}
    return f"{namespace} {online[namespace]}"


def format_datetime(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as xsd:dateTime, to the second, e.g. 2026-03-12T09:30:00Z."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def parse_datetime(text: str | None) -> datetime | None:
    """An xsd:dateTime from any tool as naive UTC (no zone: taken as UTC); None if absent or unreadable."""
    if not text:
        return None
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def qualcode_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qualcode")
    except PackageNotFoundError:
        return "dev"
