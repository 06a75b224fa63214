"""Check a codebook file and report every problem with file, line, column and a plain explanation.

One pass finds everything a maintainer has to fix: YAML syntax, repeated keys, unknown keys
(with a did-you-mean), missing or empty labels, ids, colours, versions and dates that do not
have the right form, duplicate ids, unknown parents, parent cycles, contradictory migration
declarations and patterns that spaCy's Matcher cannot compile. The CLI
(`qualcode codebook validate`) and the app's codebook page show the same problems.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .positions import PositionIndex, compose
from .schema import (
    PATTERN_MAPPING,
    PATTERN_TEXT,
    ChangelogEntry,
    Code,
    Codebook,
    Labels,
    PatternSpec,
    TaggingSettings,
    as_spec,
)

ERROR = "error"
WARNING = "warning"

# Problem kinds (stable names: tests and the app group by them).
YAML_SYNTAX = "yaml-syntax"
DUPLICATE_KEY = "duplicate-key"
NOT_A_CODEBOOK = "not-a-codebook"
UNKNOWN_KEY = "unknown-key"
MISSING_KEY = "missing-key"
MISSING_LABEL = "missing-label"
BAD_VALUE = "bad-value"
BAD_ID = "bad-id"
BAD_COLOUR = "bad-colour"
DUPLICATE_ID = "duplicate-id"
UNKNOWN_PARENT = "unknown-parent"
PARENT_CYCLE = "parent-cycle"
BAD_PATTERN = "bad-pattern"
MIGRATION = "migration"
CHANGELOG = "changelog"
HIERARCHY = "hierarchy"
CONTRAST = "contrast"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    column: int | None
    kind: str
    message: str
    severity: str = ERROR
    path: str = ""  # where in the data, e.g. codes[3].label.en

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.source, "line": self.line, "column": self.column, "severity": self.severity,
                "kind": self.kind, "path": self.path, "message": self.message}


@dataclass
class ValidationReport:
    source: str
    problems: list[Problem] = field(default_factory=list)
    codebook: Codebook | None = None  # set only when there are no errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.ok:
            book = self.codebook
            warn = f", {len(self.warnings)} warning(s)" if self.warnings else ""
            return (f"{self.source}: ok, {book.name} {book.version} with {len(book.codes)} codes "
                    f"({len(book.active_codes)} active){warn}")
        return f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"

    def format(self) -> str:
        return "\n".join([*(str(p) for p in self.problems), self.summary()])


class _Collector:
    def __init__(self, source: str, index: PositionIndex) -> None:
        self.source = source
        self.index = index
        self.problems: list[Problem] = []

    def add(self, path: tuple, kind: str, message: str, *, severity: str = ERROR, at_key: bool = False) -> None:
        pos = self.index.key(path) if at_key else self.index.value(path)
        self.problems.append(Problem(self.source, pos.line if pos else None, pos.column if pos else None, kind,
                                     message, severity, path_text(path)))


def path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --------------------------------------------------------------------------- entry points

def validate_text(text: str, source: str = "<codebook>", *, check_patterns: bool = True) -> ValidationReport:
    """Every problem of a codebook's YAML text; ``report.codebook`` is the parsed codebook when it has none."""
    report = ValidationReport(source)
    try:
        data, index = compose(text)
    except yaml.YAMLError as exc:
        report.problems.append(_yaml_problem(exc, source))
        return report
    out = _Collector(source, index)
    if not isinstance(data, dict):
        out.add((), NOT_A_CODEBOOK, "this is not a codebook: expected a mapping with the keys name, version, date "
                                     "and codes (see README.md, 'Codebook format')")
        report.problems = out.problems
        return report
    for dup in index.duplicates:
        out.problems.append(Problem(source, dup.again.line, dup.again.column, DUPLICATE_KEY,
                                    f"key '{dup.key}' appears twice in {_describe(dup.path, data)} (first at line "
                                    f"{dup.first.line}); YAML keeps only the last one, so delete or merge one",
                                    ERROR, path_text(dup.path)))
    book = None
    try:
        book = Codebook.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(exc, data, out)
    _check_structure(data, out)
    if check_patterns:
        _check_patterns(data, out)
    if book is not None:
        _check_advice(book, data, out)
    seen = set()
    for p in sorted(out.problems, key=lambda p: (p.line or 0, p.column or 0)):
        if (p.line, p.column, p.kind, p.message) not in seen:
            seen.add((p.line, p.column, p.kind, p.message))
            report.problems.append(p)
    if report.ok:
        report.codebook = book
    return report


def validate_file(path: str | Path, *, check_patterns: bool = True) -> ValidationReport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ValidationReport(str(path), [Problem(str(path), None, None, UNREADABLE,
                                                    "no such file; check the path")])
    except UnicodeDecodeError as exc:
        return ValidationReport(str(path), [Problem(str(path), None, None, UNREADABLE,
                                                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                                    "save the file as UTF-8")])
    except OSError as exc:
        return ValidationReport(str(path), [Problem(str(path), None, None, UNREADABLE,
                                                    f"cannot read the file: {exc.strerror}")])
    return validate_text(text, str(path), check_patterns=check_patterns)


# --------------------------------------------------------------------------- YAML syntax

_YAML_HINTS = (
    ("tab character", "YAML does not allow tabs for indentation; indent with spaces"),
    ("cannot start any token", "YAML does not allow tabs (or this character) here; indent with spaces"),
    ("mapping values are not allowed", "a value contains ': ', so YAML reads it as a new key; put the value in "
                                       "quotes"),
    ("expected <block end>", "the indentation does not line up with the lines above"),
    ("found undefined alias", "an '*' starts a YAML alias; put the text in quotes"),
    ("could not find expected ':'", "a key is missing its ':' (or a quoted text is not closed)"),
    ("found unexpected end of stream", "a quoted text or a bracket is not closed"),
    ("did not find expected", "a bracket or quoted text is not closed, or a list item or value is missing"),
    ("expected a single document", "the file holds several YAML documents (---); keep one"),
)


def _yaml_problem(exc: yaml.YAMLError, source: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else problem
    hint = next((h for needle, h in _YAML_HINTS if needle in str(exc)), "check the quoting and indentation")
    return Problem(source, mark.line + 1 if mark else None, mark.column + 1 if mark else None, YAML_SYNTAX,
                   f"YAML syntax error: {text}; {hint}")


# --------------------------------------------------------------------------- schema errors

_TAGS = {PATTERN_TEXT, PATTERN_MAPPING, "str", "list[str]", "int", "float", "bool", "none"}

_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Codebook,
    ("title",): Labels,
    ("changelog",): ChangelogEntry,
    ("tagging",): TaggingSettings,
    ("codes",): Code,
    ("codes", "label"): Labels,
    ("codes", "definition"): Labels,
    ("codes", "patterns"): PatternSpec,
    ("codes", "exclude_patterns"): PatternSpec,
}

_LANG = {"fi": "Finnish", "en": "English"}


def _model_at(path: tuple) -> type[BaseModel] | None:
    return _MODELS.get(tuple(p for p in path if isinstance(p, str)))


def _describe(path: tuple, data: Any) -> str:
    """Words for where a path is: "code 'trust'", "code 'trust' label", "the codebook"."""
    if len(path) >= 2 and path[0] == "codes" and isinstance(path[1], int):
        codes = data.get("codes") if isinstance(data, dict) else None
        code = codes[path[1]] if isinstance(codes, list) and path[1] < len(codes) else None
        name = f"code '{code['id']}'" if isinstance(code, dict) and isinstance(code.get("id"), str) \
            else f"code #{path[1] + 1}"
        rest = path_text(path[2:])
        return f"{name} {rest}".strip()
    return path_text(path) if path else "the codebook"


def _clean_loc(loc: tuple) -> tuple:
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _TAGS or "[" in p)))


def _pydantic_problems(exc: ValidationError, data: dict, out: _Collector) -> None:
    for err in exc.errors():
        path = _clean_loc(err["loc"])
        kind, message, at_key = _explain(err, path, data)
        out.add(path, kind, message, at_key=at_key)


def _explain(err: dict, path: tuple, data: dict) -> tuple[str, str, bool]:
    """(kind, message, point at the key rather than the value) for one pydantic error."""
    etype = err["type"]
    name = path[-1] if path else ""
    container = path[:-1]
    where = _describe(container, data)
    value = err.get("input")
    if etype == "extra_forbidden":
        model = _model_at(container)
        allowed = sorted(model.model_fields) if model else []
        guess = difflib.get_close_matches(str(name).lower(), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'?" if guess else f"allowed keys: {', '.join(allowed)}"
        return UNKNOWN_KEY, f"unknown key '{name}' in {where}; {hint}", True
    if etype == "missing":
        if name in _LANG and _model_at(container) is Labels:
            return MISSING_LABEL, (f"{where} has no {_LANG[name]} text; add `{name}: ...` "
                                   "(labels and definitions need both fi and en)"), False
        if name in ("label", "definition") and _model_at(container) is Code:
            return MISSING_LABEL, f"{where} has no {name}; add `{name}: {{fi: ..., en: ...}}`", False
        return MISSING_KEY, f"{where} is missing the required key '{name}'", False
    if etype == "string_too_short":
        if _model_at(container) is Labels:
            return MISSING_LABEL, f"{_describe(path, data)} is empty; write the {_LANG.get(name, '')} text".replace(
                "  ", " "), False
        return BAD_VALUE, f"{_describe(path, data)} is empty", False
    if etype == "string_pattern_mismatch":
        return _pattern_mismatch(name, path, value, data)
    if etype == "string_type" and isinstance(value, bool):
        return BAD_VALUE, (f"{_describe(path, data)}: YAML read this as {str(value).lower()} (yes/no/on/off are "
                           "booleans in YAML); put the word in quotes"), False
    if etype == "string_type" and isinstance(value, dict):
        return BAD_VALUE, (f"{_describe(path, data)} should be text, but YAML read a mapping: a ': ' inside the "
                           "text starts a key; put the text in quotes"), False
    if etype == "string_type":
        return BAD_VALUE, f"{_describe(path, data)} should be text, not {_yaml_type(value)}", False
    if etype == "list_type":
        return BAD_VALUE, (f"{_describe(path, data)} should be a list (one `- item` per line), "
                           f"not {_yaml_type(value)}"), False
    if etype in ("model_type", "dict_type", "model_attributes_type"):
        return BAD_VALUE, f"{_describe(path, data)} should be a mapping (key: value lines), not {_yaml_type(value)}", \
            False
    if etype == "literal_error" and name == "status":
        return BAD_VALUE, f"{where}: status must be 'active' or 'retired', not {value!r}", False
    if etype in ("greater_than_equal", "less_than_equal") and name == "threshold":
        return BAD_VALUE, f"{_describe(path, data)} must be between 0 and 1, not {value!r}", False
    if etype == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        kind = BAD_PATTERN if "patterns" in path else BAD_VALUE
        return kind, f"{_describe(path, data)}: {msg}", False
    return BAD_VALUE, f"{_describe(path, data)}: {err['msg']} (found {value!r})", False


def _pattern_mismatch(name, path: tuple, value: Any, data: dict) -> tuple[str, str, bool]:
    what = _describe(path, data)
    if name == "colour":
        return BAD_COLOUR, f"{what}: {value!r} is not a colour; write it as #rrggbb, e.g. '#1f77b4' (in quotes)", False
    if name == "version" or (path and path[-1] == "version"):
        return BAD_VALUE, f"{what}: {value!r} is not a version; write MAJOR.MINOR.PATCH, e.g. '1.1.0'", False
    if name == "date":
        return BAD_VALUE, f"{what}: {value!r} is not a date; write YYYY-MM-DD, e.g. '2026-11-30'", False
    suggestion = re.sub(r"[^a-z0-9_]+", "_", str(value).lower()).strip("_")
    return BAD_ID, (f"{what}: {value!r} is not a valid id; ids are lower-case letters, digits and _ and start "
                    f"with a letter" + (f", e.g. '{suggestion}'" if suggestion else "")), False


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "text"


# --------------------------------------------------------------------------- whole-file checks

def _code_dicts(data: dict) -> list[tuple[int, dict]]:
    codes = data.get("codes")
    if not isinstance(codes, list):
        return []
    return [(i, c) for i, c in enumerate(codes) if isinstance(c, dict)]


def _check_structure(data: dict, out: _Collector) -> None:
    """Duplicate ids, unknown parents, parent cycles, contradictory migration declarations."""
    codes = _code_dicts(data)
    first: dict[str, int] = {}
    for i, code in codes:
        cid = code.get("id")
        if not isinstance(cid, str):
            continue
        if cid in first:
            pos = out.index.value(("codes", first[cid], "id"))
            out.add(("codes", i, "id"), DUPLICATE_ID,
                    f"duplicate id '{cid}': the code at line {pos.line if pos else '?'} has it too; ids must be "
                    "unique (give this code a new id, or merge the two)")
        else:
            first[cid] = i
    ids = set(first)
    parents: dict[str, str] = {}
    for i, code in codes:
        cid, parent = code.get("id"), code.get("parent")
        if not isinstance(parent, str):
            continue
        if parent not in ids:
            guess = difflib.get_close_matches(parent, sorted(ids), n=1, cutoff=0.6)
            hint = f"did you mean '{guess[0]}'?" if guess else "use the id of a code in this file"
            out.add(("codes", i, "parent"), UNKNOWN_PARENT,
                    f"{_describe(('codes', i), data)}: parent '{parent}' is not a code in this codebook; {hint}")
        elif isinstance(cid, str) and first.get(cid) == i:
            parents[cid] = parent
    _check_cycles(parents, first, data, out)
    _check_declarations(codes, ids, data, out)


def _check_cycles(parents: dict[str, str], first: dict[str, int], data: dict, out: _Collector) -> None:
    reported: set[str] = set()
    for start in parents:
        chain = [start]
        node = parents.get(start)
        while node is not None and node not in chain and node not in reported:
            chain.append(node)
            node = parents.get(node)
        if node is None or node in reported or node not in chain:
            continue
        cycle = chain[chain.index(node):]
        reported.update(cycle)
        head = min(cycle, key=lambda c: first[c])  # report at the cycle member written first
        loop = cycle[cycle.index(head):] + cycle[:cycle.index(head)] + [head]
        text = "its own parent" if len(cycle) == 1 else "its own ancestor: " + " → ".join(loop)
        out.add(("codes", first[head], "parent"), PARENT_CYCLE,
                f"code '{head}' is {text}; a hierarchy cannot loop, so change one of these parents")


def _check_declarations(codes: list[tuple[int, dict]], ids: set[str], data: dict, out: _Collector) -> None:
    """renamed_from / merged_from / split_from must describe one consistent history."""
    claimed: dict[str, tuple[str, str]] = {}  # old id -> (new code, how)
    for i, code in codes:
        cid = code.get("id")
        if not isinstance(cid, str):
            continue
        for key in ("renamed_from", "merged_from", "split_from"):
            raw = code.get(key)
            olds = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
            for j, old in enumerate(olds):
                if not isinstance(old, str):
                    continue
                path = ("codes", i, key, j) if isinstance(raw, list) else ("codes", i, key)
                verb = {"renamed_from": "renamed", "merged_from": "merged", "split_from": "split"}[key]
                if old == cid:
                    out.add(path, MIGRATION, f"code '{cid}' cannot be {verb} from itself; remove '{old}' here")
                    continue
                if key != "split_from" and old in ids:
                    out.add(path, MIGRATION,
                            f"code '{cid}' says '{old}' was {verb} into it, but '{old}' is still a code in this "
                            f"file; delete '{old}' (its codings move to '{cid}'), or keep it with status: retired "
                            f"and drop this declaration")
                    continue
                if key == "split_from":
                    continue  # several codes may be split from the same one
                if old in claimed and claimed[old][0] != cid:
                    other, how = claimed[old]
                    out.add(path, MIGRATION,
                            f"'{old}' is declared {verb} into '{cid}' and {how} into '{other}'; codings can move "
                            f"to one code only (declare split_from: {old} on both to have them reviewed instead)")
                    continue
                claimed[old] = (cid, verb)


def _check_patterns(data: dict, out: _Collector) -> None:
    """Compile every pattern the way the tagger will, with spaCy's Matcher(validate=True)."""
    from spacy.matcher import Matcher
    from spacy.tokens import Token
    from spacy.vocab import Vocab

    from .. import nlp as _nlp  # noqa: F401  (registers the token extensions patterns use)
    from ..tagging.rules import token_patterns

    vocab = Vocab()
    shared = [Matcher(vocab, validate=True)]  # one Matcher for all patterns; a new one after a failure
    for i, code in _code_dicts(data):
        for key in ("patterns", "exclude_patterns"):
            items = code.get(key)
            if not isinstance(items, list):
                continue
            seen: dict[str, int] = {}
            for j, raw in enumerate(items):
                path = ("codes", i, key, j)
                try:
                    spec = as_spec(raw) if isinstance(raw, str) else PatternSpec.model_validate(raw)
                except (ValidationError, TypeError):
                    continue  # already reported as a schema problem
                label = raw.strip().lower() if isinstance(raw, str) else repr(sorted(spec.model_dump().items()))
                if label in seen:
                    out.add(path, BAD_PATTERN, f"{_describe(path, data)} repeats the pattern at "
                                               f"{key}[{seen[label]}]; delete one", severity=WARNING)
                seen.setdefault(label, j)
                message = _compile_problem(spec, token_patterns, shared, f"{i}:{key}:{j}", Token)
                if message:
                    shared[0] = Matcher(vocab, validate=True)
                if message:
                    out.add(path, BAD_PATTERN, f"{_describe(path, data)} cannot be compiled: {message}")


_SPACY_ERROR_LINE = re.compile(r"^- \[pattern -> (\d+)(?: -> (.*?))?\] (.*)$")


def _compile_problem(spec: PatternSpec, token_patterns, shared: list, key: str, Token) -> str | None:
    if spec.lemma is not None and not spec.lemma.split():
        return "the lemma is empty"
    try:
        tokens = token_patterns(spec)
    except Exception as exc:  # noqa: BLE001  (a tagger that cannot read the pattern)
        return str(exc)
    if not isinstance(tokens, list) or not tokens:
        return "a pattern needs at least one token"
    for n, token in enumerate(tokens):
        if not isinstance(token, dict):
            return f"token {n + 1} should be a mapping like {{LEMMA: luottaa}}, not {token!r}"
        ext = token.get("_")
        if isinstance(ext, dict):
            for attr in ext:
                if not Token.has_extension(attr):
                    return f"token {n + 1}: '_.{attr}' is not a token attribute the pipeline sets"
    try:
        shared[0].add(key, [tokens])
    except re.error as exc:
        return f"a REGEX does not compile ({exc}); escape special characters with \\"
    except Exception as exc:  # noqa: BLE001  (spaCy raises MatchPatternError, ValueError, KeyError)
        lines = [m for m in (_SPACY_ERROR_LINE.match(x.strip()) for x in str(exc).splitlines()) if m]
        if not lines:
            return str(exc).strip().splitlines()[0]
        parts = []
        for m in lines[:3]:
            attr = (m.group(2) or "").split(" -> ")[0]
            msg = m.group(3)
            if msg.startswith("Extra inputs"):
                known = _token_attributes()
                guess = difflib.get_close_matches(attr.upper(), known, n=1, cutoff=0.6)
                msg = f"unknown token attribute '{attr}'" + (f"; did you mean '{guess[0]}'?" if guess else "")
            parts.append(f"token {int(m.group(1)) + 1} {attr}: {msg}".replace(" :", ":"))
        return "; ".join(parts)
    return None


def _token_attributes() -> list[str]:
    from spacy.schemas import TokenPattern

    return [f.alias or name.upper() for name, f in TokenPattern.model_fields.items()]


def _check_advice(book: Codebook, data: dict, out: _Collector) -> None:
    """Warnings: valid, but probably not what the maintainer meant."""
    from ..tagging.classifier import without_contrast

    if book.changelog and book.changelog_entry() is None:
        out.add(("version",), CHANGELOG, f"version {book.version} has no changelog entry; add one that says what "
                                         "changed", severity=WARNING)
    positions = {c.id: i for i, c in enumerate(book.codes)}
    for code in book.codes:
        parent = book.get(code.parent) if code.parent else None
        if code.is_active and parent is not None and not parent.is_active:
            out.add(("codes", positions[code.id], "parent"), HIERARCHY,
                    f"active code '{code.id}' sits under the retired code '{parent.id}'; move it or retire it too",
                    severity=WARNING)
    for code_id, (pos, neg) in without_contrast(book).items():
        out.add(("codes", positions[code_id], "examples"), CONTRAST,
                f"code '{code_id}' has {pos} examples but only {neg} sentences that are not it (other codes' "
                "examples and counter-examples), so the codebook alone trains no classifier for it and it is "
                "suggested by its patterns and nearest examples only; add counter-examples (interview sentences "
                f"that are not about {code_id}) until they are at least as many as its examples", severity=WARNING)
