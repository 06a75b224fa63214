"""Intercoder agreement on segments: percent agreement, Cohen's kappa, Krippendorff's alpha.

Units are segments (or the units of a CSV file). For each code, a coder's rating of a unit is
nominal: the code applied (1) or not (0); ``overall``, the rating is the whole set of codes the
coder applied to the unit, so a unit agrees only when the coders applied exactly the same
codes (with one code per unit this is the textbook nominal case).

Text nobody coded is not agreement. QDA tools that count it (NVivo's percent agreement over
characters) report 95 % for coders who never agreed on a single passage. Here a unit to which
no coder applied any code in scope is left out, and the report says how many were
(``include_uncoded=True`` counts them, for units every coder read and judged code-free).

A coder who did not rate a unit is missing data, not "no code": Krippendorff's alpha uses
whatever is pairable, Cohen's kappa uses the units both coders rated, percent agreement
averages the agreeing coder pairs over units with two or more ratings. A figure that is
undefined (one coder, no unit rated twice, no variation) is None with a note saying why.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from urllib.parse import urlencode

import krippendorff
import numpy as np
from sqlalchemy import Engine

Rating = object  # any hashable category; None = the coder did not rate the unit


# --- the three coefficients on a reliability matrix (coders x units) ---------------------------

def _pairable(data: Sequence[Sequence[Rating]]) -> list[list[Rating]]:
    """Per unit, the ratings present, for units with at least two."""
    units = zip(*data) if data else []
    return [vals for vals in ([v for v in unit if v is not None] for unit in units) if len(vals) >= 2]


def percent_agreement(data: Sequence[Sequence[Rating]]) -> float | None:
    """Share of agreeing coder pairs, averaged over units rated by two or more coders."""
    units = _pairable(data)
    if not units:
        return None
    shares = [sum(a == b for a, b in combinations(vals, 2)) / math.comb(len(vals), 2) for vals in units]
    return sum(shares) / len(shares)


def cohen_kappa(a: Sequence[Rating], b: Sequence[Rating]) -> float | None:
    """Cohen's (1960) kappa for two coders on the units both rated; None when chance agreement is 1."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not pairs:
        return None
    n = len(pairs)
    p_o = sum(x == y for x, y in pairs) / n
    categories = {x for pair in pairs for x in pair}
    p_e = sum((sum(x == c for x, _ in pairs) / n) * (sum(y == c for _, y in pairs) / n) for c in categories)
    if math.isclose(p_e, 1.0):
        return None
    return (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(data: Sequence[Sequence[Rating]]) -> float | None:
    """Krippendorff's alpha, nominal, any number of coders, missing ratings allowed."""
    units = _pairable(data)
    if not units or len({v for vals in units for v in vals}) < 2:
        return None
    index: dict[Rating, int] = {}
    matrix = np.array([[np.nan if v is None else index.setdefault(v, len(index)) for v in row] for row in data],
                      dtype=float)
    value = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    return None if math.isnan(value) else float(value)


# --- ratings and reports -----------------------------------------------------------------------

@dataclass
class Unit:
    """One unit and what each coder who rated it applied (a coder missing from ``codes`` did not rate it)."""

    id: str
    codes: dict[str, frozenset[str]]
    transcript: str | None = None
    segment_id: int | None = None
    index: int | None = None
    text: str | None = None


# Why a figure is undefined or limited: a key (the app translates it) and its English text.
NOTES = {
    "one_coder": "agreement needs two or more coders; there is {n}",
    "unpaired": "no unit was rated by two or more coders",
    "kappa_two": "Cohen's kappa is for two coders; there are {n} (use alpha)",
    "no_variation": "no variation: every rating is the same, so chance agreement is total and kappa and "
                    "alpha are undefined",
    "kappa_constant": "kappa is undefined: both coders used one and the same value throughout",
}


@dataclass
class Figures:
    alpha: float | None
    kappa: float | None
    percent_agreement: float | None
    n_units: int  # units rated by at least two coders: what the figures rest on
    reasons: list[tuple[str, dict]] = field(default_factory=list)  # (key of NOTES, values)

    @property
    def notes(self) -> list[str]:
        return [NOTES[key].format(**values) for key, values in self.reasons]

    def as_json(self) -> dict:
        return {"alpha": self.alpha, "kappa": self.kappa, "percent_agreement": self.percent_agreement,
                "n_units": self.n_units}


@dataclass
class Disagreement:
    unit: Unit
    codes: dict[str, list[str]]  # coder -> codes applied, for the coders who rated the unit
    link: str | None = None


@dataclass
class AgreementReport:
    coders: list[str]
    codes: dict[str, Figures]
    overall: Figures
    n_rated: int  # units rated by anyone
    n_uncoded: int  # of those, units no coder applied a code to (left out unless include_uncoded)
    include_uncoded: bool
    disagreements: list[Disagreement]
    units: list[Unit] = field(default_factory=list)  # the units compared (ratings of the chosen coders)

    def as_json(self) -> dict:
        return {"codes": {code: f.as_json() for code, f in self.codes.items()}, "overall": self.overall.as_json()}

    def rows(self) -> list[dict]:
        """One row per code and a last row ``OVERALL``: for tables in the app and exports."""
        return [{"code": code, **f.as_json()} for code, f in [*self.codes.items(), ("OVERALL", self.overall)]]

    def notes(self) -> list[str]:
        out = []
        if not self.include_uncoded and self.n_uncoded:
            out.append(f"{self.n_uncoded} of {self.n_rated} units no coder applied a code to are left out "
                       "(uncoded text is not counted as agreement)")
        out += [f"overall: {n}" for n in self.overall.notes]
        out += [f"{code}: {n}" for code, f in self.codes.items() for n in f.notes if n not in self.overall.notes]
        return out


def _figures(data: list[list[Rating]], n_coders: int) -> Figures:
    reasons: list[tuple[str, dict]] = []
    n_units = len(_pairable(data))
    if n_coders < 2:
        reasons.append(("one_coder", {"n": n_coders}))
    elif n_units == 0:
        reasons.append(("unpaired", {}))
    alpha = krippendorff_alpha(data)
    kappa = cohen_kappa(data[0], data[1]) if n_coders == 2 else None
    if n_coders > 2:
        reasons.append(("kappa_two", {"n": n_coders}))
    if n_units and alpha is None:
        reasons.append(("no_variation", {}))
    elif n_coders == 2 and n_units and kappa is None:
        reasons.append(("kappa_constant", {}))
    return Figures(alpha, kappa, percent_agreement(data), n_units, reasons)


def compare(units: Iterable[Unit], coders: Sequence[str] | None = None, codes: Sequence[str] | None = None, *,
            include_uncoded: bool = False, link=None) -> AgreementReport:
    """Agreement per code and overall among ``coders`` (default: everyone who rated a unit)."""
    units = [u for u in units if u.codes]
    coders = list(coders) if coders else sorted({c for u in units for c in u.codes})
    units = [Unit(u.id, {c: v for c, v in u.codes.items() if c in coders}, u.transcript, u.segment_id, u.index,
                  u.text) for u in units]
    units = [u for u in units if u.codes]
    scope = list(codes) if codes else sorted({code for u in units for s in u.codes.values() for code in s})
    in_scope = set(scope)
    n_rated = len(units)
    coded = [u for u in units if any(s & in_scope for s in u.codes.values())]
    n_uncoded = n_rated - len(coded)
    used = units if include_uncoded else coded

    def matrix(value) -> list[list[Rating]]:
        return [[value(u.codes[c]) if c in u.codes else None for u in used] for c in coders]

    per_code = {code: _figures(matrix(lambda s, code=code: int(code in s)), len(coders)) for code in scope}
    overall = _figures(matrix(lambda s: tuple(sorted(s & in_scope))), len(coders))
    disagreements = []
    for u in used:
        rated = {c: sorted(s & in_scope) for c, s in u.codes.items()}
        if len(rated) >= 2 and len({tuple(v) for v in rated.values()}) > 1:
            disagreements.append(Disagreement(u, rated, link(u) if link else None))
    return AgreementReport(coders, per_code, overall, n_rated, n_uncoded, include_uncoded, disagreements, units)


# --- ratings from a CSV file -------------------------------------------------------------------

class AgreementInputError(ValueError):
    """A ratings file that cannot be read; the message names the file and line."""


def read_csv(path: str | Path, *, absent_is_missing: bool = False) -> list[Unit]:
    """Units from ``unit,coder,code`` rows (a header row is optional).

    A row says the coder applied the code to the unit; an empty code says the coder rated the
    unit and applied none. By default every coder in the file rated every unit in it (a file
    that lists only the codes applied, as most QDA exports do). With ``absent_is_missing`` a
    coder without a row for a unit did not rate it (missing data).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AgreementInputError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise AgreementInputError(f"{path}: not UTF-8 text; save the file as UTF-8 CSV") from exc
    applied: dict[str, dict[str, set[str]]] = {}
    coders: list[str] = []
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if lineno == 1 and [c.lower() for c in cells[:3]] == ["unit", "coder", "code"]:
            continue
        if len(cells) == 2:
            cells.append("")
        if len(cells) != 3:
            raise AgreementInputError(f"{path}, line {lineno}: expected 3 columns unit,coder,code, found {len(cells)}")
        unit, coder, code = cells
        if not unit or not coder:
            raise AgreementInputError(f"{path}, line {lineno}: the unit and the coder must not be empty")
        if coder not in coders:
            coders.append(coder)
        codes = applied.setdefault(unit, {}).setdefault(coder, set())
        if code:
            codes.add(code)
    if not applied:
        raise AgreementInputError(f"{path}: no ratings found; expected rows unit,coder,code")
    units = []
    for unit, by_coder in applied.items():
        rated = by_coder if absent_is_missing else {c: by_coder.get(c, set()) for c in coders}
        units.append(Unit(unit, {c: frozenset(s) for c, s in rated.items()}))
    return units


def ratings_csv(units: Iterable[Unit]) -> str:
    """The ratings as ``unit,coder,code`` rows (an empty code for a unit rated without codes)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["unit", "coder", "code"])
    for u in units:
        for coder, codes in sorted(u.codes.items()):
            for code in sorted(codes) or [""]:
                out.writerow([u.id, coder, code])
    return buffer.getvalue()


def write_csv(units: Iterable[Unit], path: str | Path) -> None:
    Path(path).write_text(ratings_csv(units), encoding="utf-8")


# --- ratings from the project database ---------------------------------------------------------

# The review app's comparison view of one segment (a Streamlit page with query parameters).
COMPARISON_PATH = "/review"


def comparison_link(transcript: str, segment_id: int, base_url: str = "") -> str:
    """``/review?transcript=NAME&view=compare&segment=ID``: the app's comparison of coders, that segment first."""
    query = urlencode({"transcript": transcript, "view": "compare", "segment": segment_id})
    return f"{base_url.rstrip('/')}{COMPARISON_PATH}?{query}"


def database_units(engine: Engine, *, transcripts: Sequence[str] | None = None,
                   coders: Sequence[str] | None = None, include_adjudicated: bool = False) -> list[Unit]:
    """The project's participant segments as units, with what each coder who rated them applied."""
    from .store import transaction
    from .store.ratings import segment_ratings

    from .store.transcripts import by_name

    with transaction(engine) as s:
        unknown = [name for name in transcripts or [] if by_name(s, name) is None]
        if unknown:
            raise AgreementInputError(f"no transcript named {', '.join(map(repr, unknown))}; "
                                      "`qualcode transcripts` lists them")
        rows = segment_ratings(s, transcripts=list(transcripts or []), coders=list(coders or []),
                               include_adjudicated=include_adjudicated)
    return [Unit(f"{r.transcript}#{r.index}", {c: frozenset(v) for c, v in r.codes.items()}, r.transcript,
                 r.segment_id, r.index, r.text) for r in rows]


def project_agreement(engine: Engine, *, transcripts: Sequence[str] | None = None,
                      coders: Sequence[str] | None = None, codes: Sequence[str] | None = None,
                      include_uncoded: bool = False, include_adjudicated: bool = False,
                      base_url: str = "") -> AgreementReport:
    """Agreement among the project's coders on segments (see the module docstring for the rules)."""
    units = database_units(engine, transcripts=transcripts, coders=coders, include_adjudicated=include_adjudicated)
    return compare(units, coders, codes, include_uncoded=include_uncoded,
                   link=lambda u: comparison_link(u.transcript, u.segment_id, base_url))


def project_coders(engine: Engine) -> list[str]:
    from .store import transaction
    from .store.ratings import coders

    with transaction(engine) as s:
        return coders(s)


def format_report(report: AgreementReport, *, max_disagreements: int = 20) -> str:
    """A plain-text table for the terminal."""
    def num(x, pct=False):
        if x is None:
            return "-"
        return f"{100 * x:.1f}%" if pct else f"{x:.3f}"

    lines = [f"coders: {', '.join(report.coders) or '(none)'}",
             f"{'code':<24} {'alpha':>7} {'kappa':>7} {'agree':>7} {'units':>6}"]
    rows = [*report.codes.items(), ("OVERALL", report.overall)]
    for code, f in rows:
        lines.append(f"{code:<24} {num(f.alpha):>7} {num(f.kappa):>7} {num(f.percent_agreement, True):>7} "
                     f"{f.n_units:>6}")
    notes = report.notes()
    if notes:
        lines.append("")
        lines += [f"note: {n}" for n in notes]
    if report.disagreements:
        lines.append("")
        lines.append(f"{len(report.disagreements)} units where coders disagree"
                     + (f" (first {max_disagreements})" if len(report.disagreements) > max_disagreements else "")
                     + ":")
        for d in report.disagreements[:max_disagreements]:
            who = "; ".join(f"{c}: {', '.join(v) or '(none)'}" for c, v in d.codes.items())
            text = f" {d.unit.text[:70]!r}" if d.unit.text else ""
            lines.append(f"  {d.unit.id}{text}  {who}" + (f"  {d.link}" if d.link else ""))
    return "\n".join(lines)
