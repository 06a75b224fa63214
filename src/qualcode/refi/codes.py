"""Codes as REFI-QDA ``<Code>`` elements and back, shared by the codebook (.qdc) and project (.qdpx) files.

REFI-QDA gives a code a name, a colour, a description and child codes, nothing more. qualcode
writes the code's label in one language as the name, and a description that a researcher in
another tool can read and that qualcode can read back:

    Instrumental support: concrete help such as advice, know-how, ...   <- definition

    Include: Someone gives or gets advice, tips, information or know-how.
    Exclude: Feeling supported or listened to without concrete help (emotional_support).
    Label (fi): Käytännöllinen tuki
    Definition (fi): Käytännöllinen eli välineellinen tuki: ...
    qualcode id: practical_support

Codes from other tools have no such block: their ids are derived from their names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from ..codebook import Code, Codebook, Labels
from . import guids
from .common import kid, kids, local, xml_safe

LANGS = ("fi", "en")
CODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ID = 60
_KEY_LINE = re.compile(r"^(Include|Exclude|Label \((?:fi|en)\)|Definition \((?:fi|en)\)|Status|qualcode id): ?(.*)$")
_HEX3 = re.compile(r"^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$")
_HEX6 = re.compile(r"^#[0-9a-fA-F]{6}$")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def slug(text: str) -> str:
    """An id-shaped form of a name: 'Käytännöllinen tuki' -> 'kaytannollinen_tuki'."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:MAX_ID].strip("_")
    if not text:
        return "code"
    return text if text[0].isalpha() else f"code_{text}"[:MAX_ID]


def other_lang(lang: str) -> str:
    return "en" if lang == "fi" else "fi"


def description(code: Code, lang: str) -> str:
    """The code's description as written into a REFI-QDA file (see the module docstring)."""
    other = other_lang(lang)
    lines = [f"Include: {one_line(x)}" for x in code.inclusion]
    lines += [f"Exclude: {one_line(x)}" for x in code.exclusion]
    lines += [f"Label ({other}): {one_line(getattr(code.label, other))}",
              f"Definition ({other}): {one_line(getattr(code.definition, other))}"]
    if code.status != "active":
        lines.append(f"Status: {code.status}")
    lines.append(f"qualcode id: {code.id}")
    return one_line(getattr(code.definition, lang)) + "\n\n" + "\n".join(lines)


def _nesting(codes: list[Code]) -> tuple[list[Code], dict[str, list[Code]]]:
    """Top-level codes and each code's children, in codebook order; cycles and dangling parents become roots."""
    ids = {c.id for c in codes}
    children: dict[str, list[Code]] = {}
    roots = []
    for c in codes:
        if c.parent and c.parent in ids and c.parent != c.id:
            children.setdefault(c.parent, []).append(c)
        else:
            roots.append(c)
    reached: set[str] = set()
    stack = list(roots)
    while stack:
        c = stack.pop()
        if c.id not in reached:
            reached.add(c.id)
            stack.extend(children.get(c.id, []))
    roots += [c for c in codes if c.id not in reached]  # members of a parent cycle
    return roots, children


def add_code_elements(parent, namespace: str, codebook_name: str, codes: list[Code],
                      lang: str = "en") -> dict[str, str]:
    """Append ``codes`` nested by ``parent`` id under ``parent``; returns code id -> GUID."""
    roots, children = _nesting(codes)
    mapping: dict[str, str] = {}

    def add(container, code: Code, path: set[str]) -> None:
        gid = guids.code_guid(codebook_name, code.id)
        mapping[code.id] = gid
        attrs = {"guid": gid, "name": xml_safe(one_line(getattr(code.label, lang))),
                 "isCodable": "true" if code.status == "active" else "false", "color": code.colour.lower()}
        el = etree.SubElement(container, f"{{{namespace}}}Code", attrs)
        etree.SubElement(el, f"{{{namespace}}}Description").text = xml_safe(description(code, lang))
        for child in children.get(code.id, []):
            if child.id not in path and child.id not in mapping:
                add(el, child, path | {child.id})

    for root in roots:
        if root.id not in mapping:
            add(parent, root, {root.id})
    return mapping


@dataclass
class CodeInfo:
    """One ``<Code>`` as read from a file, with what qualcode could recover from its description."""

    guid: str
    name: str
    parent_guid: str | None
    codable: bool
    colour: str | None
    description: str = ""
    id: str | None = None
    label: dict[str, str] = field(default_factory=dict)
    definition: dict[str, str] = field(default_factory=dict)
    inclusion: list[str] = field(default_factory=list)
    exclusion: list[str] = field(default_factory=list)
    status: str = "active"
    parent_id: str | None = None


def colour(value: str | None) -> str | None:
    """A REFI colour (#rgb or #rrggbb) as qualcode's #rrggbb; None when absent or not a colour."""
    if not value:
        return None
    value = value.strip()
    m = _HEX3.match(value)
    if m:
        return "#" + "".join(ch * 2 for ch in m.groups()).lower()
    return value.lower() if _HEX6.match(value) else None


def parse_description(info: CodeInfo) -> None:
    """Fill ``info`` from a qualcode description block, or treat the whole text as the definition."""
    text = (info.description or "").strip()
    lines = text.splitlines()
    block: list[tuple[str, str]] = []
    while lines:
        m = _KEY_LINE.match(lines[-1].strip())
        if not m:
            break
        block.insert(0, (m.group(1), m.group(2).strip()))
        lines.pop()
    if not block or block[-1][0] != "qualcode id" or not CODE_ID.match(block[-1][1]):
        info.definition = {lang: one_line(text) for lang in LANGS} if text else {}
        info.label = {lang: info.name for lang in LANGS}
        return
    own = None
    for key, value in block:
        if key == "Include":
            info.inclusion.append(value)
        elif key == "Exclude":
            info.exclusion.append(value)
        elif key.startswith("Label ("):
            other = key[7:9]
            info.label[other] = value
            own = other_lang(other)
        elif key.startswith("Definition ("):
            info.definition[key[12:14]] = value
        elif key == "Status" and value in ("active", "retired"):
            info.status = value
        elif key == "qualcode id":
            info.id = value
    own = own or "en"
    info.label.setdefault(own, info.name)
    definition = one_line("\n".join(lines))
    if definition:
        info.definition.setdefault(own, definition)
    for lang in LANGS:
        info.label.setdefault(lang, info.name)


def read_code_elements(codes_el) -> list[CodeInfo]:
    """Every ``<Code>`` under ``codes_el``, parents before children, in document order."""
    out: list[CodeInfo] = []

    def walk(el, parent: str | None) -> None:
        gid = guids.normalise(el.get("guid")) or ""
        desc = kid(el, "Description")
        info = CodeInfo(guid=gid, name=one_line(el.get("name") or ""), parent_guid=parent,
                        codable=(el.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                        colour=colour(el.get("color")), description=(desc.text or "") if desc is not None else "")
        parse_description(info)
        out.append(info)
        for child in kids(el, "Code"):
            walk(child, gid)

    for el in codes_el:
        if local(el.tag) == "Code":
            walk(el, None)
    return out


def assign_ids(infos: list[CodeInfo]) -> None:
    """Give every code a unique id (its own when usable, else one from its name) and its parent's id.

    A flat name such as ATLAS.ti's ``Coke::diet Coke`` becomes a child of ``Coke`` when that code exists.
    """
    by_name = {i.name: i for i in infos}
    for info in infos:
        if info.parent_guid is None and "::" in info.name:
            head, _, tail = info.name.rpartition("::")
            parent = by_name.get(head)
            if parent is not None and parent is not info and tail.strip():
                info.parent_guid = parent.guid
                if info.label.get("fi") == info.name and info.label.get("en") == info.name:
                    info.label = {lang: tail.strip() for lang in LANGS}
    taken: set[str] = set()
    for info in infos:  # ids recovered from qualcode descriptions first, so derived ids never steal them
        if info.id and info.id not in taken and len(info.id) <= 100:
            taken.add(info.id)
        else:
            info.id = None
    for info in infos:
        if info.id is None:
            base = slug(info.label.get("en") or info.name)
            candidate, n = base, 2
            while candidate in taken:
                candidate = f"{base}_{n}"
                n += 1
            info.id = candidate
            taken.add(candidate)
    by_guid = {i.guid: i for i in infos}
    for info in infos:
        parent = by_guid.get(info.parent_guid) if info.parent_guid else None
        info.parent_id = parent.id if parent is not None and parent is not info else None


def codebook_dict(infos: list[CodeInfo], *, name: str, version: str, date: str, source: str,
                  changelog: str | None = None) -> dict:
    """A qualcode codebook (as plain data for YAML) holding ``infos``; definitions missing in the file are marked."""
    codes = []
    for info in infos:
        definition = {lang: info.definition.get(lang) or f"(no description in {source})" for lang in LANGS}
        entry: dict = {"id": info.id,
                       "label": {lang: info.label.get(lang) or info.name or info.id for lang in LANGS},
                       "definition": definition}
        if info.inclusion:
            entry["inclusion"] = list(info.inclusion)
        if info.exclusion:
            entry["exclusion"] = list(info.exclusion)
        if info.colour:
            entry["colour"] = info.colour
        if info.parent_id:
            entry["parent"] = info.parent_id
        if info.status != "active":
            entry["status"] = info.status
        codes.append(entry)
    data: dict = {"name": name, "version": version, "date": date}
    if changelog:
        data["changelog"] = [{"version": version, "date": date, "changes": changelog}]
    data["codes"] = codes
    return data


def placeholder_code(code_id: str, note: str) -> Code:
    """A code that codings use but no codebook version defines (so an export never drops a coding)."""
    return Code(id=code_id, label=Labels(fi=code_id, en=code_id), definition=Labels(fi=note, en=note))


def codes_for_export(book: Codebook | None, used: set[str], older: list[Codebook]) -> list[Code]:
    """The codebook's codes, then codes that codings use but this version lacks (from older versions if possible)."""
    codes = list(book.codes) if book else []
    have = {c.id for c in codes}
    for code_id in sorted(used - have):
        found = None
        for other in older:
            try:
                found = other.code(code_id)
                break
            except KeyError:
                continue
        if found is None:
            found = placeholder_code(code_id, "Used in codings but defined in no codebook version in the project.")
        elif found.parent and found.parent not in have | used:
            found = found.model_copy(update={"parent": None})
        codes.append(found)
        have.add(code_id)
    return codes
