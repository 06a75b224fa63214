"""Transcript and participant attributes: Finnish or English keys and values, one vocabulary.

Keys are normalised to English snake_case (Sidosryhmä -> stakeholder); values of the
controlled attributes are normalised to the domain vocabulary (johto -> management,
välittäjä -> intermediary). An unknown stakeholder value is an error, because theme
matrices by stakeholder would silently put the transcript in a column of its own.
"""

from __future__ import annotations

import re
import unicodedata

STAKEHOLDERS = ("management", "gig_worker", "ohs")
ORGANISATION_TYPES = ("user_company", "intermediary", "producer", "sole_entrepreneur", "ohs_provider")
INTERVIEW_FORMATS = ("individual", "group")

KEY_ALIASES = {
    "stakeholder": "stakeholder", "stakeholder_type": "stakeholder", "sidosryhma": "stakeholder",
    "sidosryhman_tyyppi": "stakeholder", "ryhma": "stakeholder",
    "organisation_type": "organisation_type", "organization_type": "organisation_type",
    "organisaatiotyyppi": "organisation_type", "organisaation_tyyppi": "organisation_type",
    "yritystyyppi": "organisation_type",
    "organisation": "organisation", "organization": "organisation", "organisaatio": "organisation",
    "yritys": "organisation", "company": "organisation",
    "date": "date", "paivamaara": "date", "pvm": "date", "haastattelupaiva": "date",
    "interview_date": "date",
    "interview_id": "interview_id", "haastattelun_tunniste": "interview_id", "tunniste": "interview_id",
    "id": "interview_id", "koodi": "interview_id",
    "format": "format", "interview_format": "format", "haastattelumuoto": "format", "muoto": "format",
    "interviewer": "interviewer", "haastattelija": "interviewer", "haastattelijat": "interviewer",
    "duration": "duration", "kesto": "duration",
    "participants": "participants", "osallistujat": "participants", "haastateltavat": "participants",
    "haastateltava": "participants",
    "title": "title", "otsikko": "title", "place": "place", "paikka": "place", "location": "place",
    "transcriber": "transcriber", "litteroija": "transcriber", "litterointi": "transcriber",
    "language": "language", "kieli": "language",
    "workshop": "workshop", "tyopaja": "workshop", "phase": "phase", "vaihe": "phase",
    # participant tables
    "puhuja": "label", "speaker": "label", "label": "label", "tunnus": "label",
    "kuvaus": "description", "description": "description",
    "rooli": "position", "role": "position", "tehtava": "position", "asema": "position",
    "tyon_muoto": "work_type", "work_type": "work_type", "tyosuhde": "work_type",
    "ikaryhma": "age_group", "age_group": "age_group", "ika": "age_group", "age": "age_group",
    "sukupuoli": "gender", "gender": "gender",
}

VALUE_ALIASES = {
    "stakeholder": {
        "management": "management", "johto": "management", "esimiehet": "management", "esihenkilot": "management",
        "johto_ja_esimiehet": "management", "manager": "management", "managers": "management",
        "gig_worker": "gig_worker", "gig_workers": "gig_worker", "keikkatyontekijat": "gig_worker",
        "keikkatyontekija": "gig_worker", "keikkatyon_tekijat": "gig_worker", "keikkatyolaiset": "gig_worker",
        "keikkalaiset": "gig_worker", "workers": "gig_worker",
        "johto_esimiehet": "management", "omistajat": "management", "esihenkilo": "management",
        "gig_work": "gig_worker", "keikkatyo": "gig_worker", "keikkatyontekijat_yksinyrittajat": "gig_worker",
        "ohs": "ohs", "tyoterveyshuolto": "ohs", "tth": "ohs", "occupational_health": "ohs",
        "occupational_health_service": "ohs", "occupational_health_services": "ohs",
    },
    "organisation_type": {
        "user_company": "user_company", "kayttajayritys": "user_company", "kayttajayritykset": "user_company",
        "intermediary": "intermediary", "valittaja": "intermediary", "valittajayritys": "intermediary",
        "producer": "producer", "tuottaja": "producer", "tuottajayritys": "producer",
        "sole_entrepreneur": "sole_entrepreneur", "yksinyrittaja": "sole_entrepreneur",
        "yksinyrittajat": "sole_entrepreneur",
        "ohs_provider": "ohs_provider", "tyoterveyshuolto": "ohs_provider", "tth": "ohs_provider",
        "tyoterveyshuollon_palveluntuottaja": "ohs_provider", "occupational_health_service": "ohs_provider",
    },
    "format": {
        "individual": "individual", "individual_interview": "individual", "yksilohaastattelu": "individual",
        "group": "group", "group_interview": "group", "ryhmahaastattelu": "group",
    },
}
ALLOWED = {"stakeholder": STAKEHOLDERS, "organisation_type": ORGANISATION_TYPES, "format": INTERVIEW_FORMATS}
FINNISH_NAMES = {
    "stakeholder": "johto, keikkatyöntekijät, työterveyshuolto",
    "organisation_type": "käyttäjäyritys, välittäjä, tuottaja, yksinyrittäjä, työterveyshuolto",
    "format": "yksilöhaastattelu, ryhmähaastattelu",
}
# Keys that describe a whole interview (a header line "Key: value" is read as an attribute).
TRANSCRIPT_KEYS = frozenset({
    "stakeholder", "organisation_type", "organisation", "date", "interview_id", "format", "interviewer",
    "duration", "participants", "title", "place", "transcriber", "language", "workshop", "phase",
})
# Keys that are also speaker labels ("Haastattelija: ..." may be a turn).
SPEAKER_KEYS = frozenset({"interviewer", "participants"})


class AttributeError_(ValueError):
    """An attribute value outside the vocabulary."""


def slug(text: str) -> str:
    """Lower-case ASCII snake_case: 'Sidosryhmä ' -> 'sidosryhma'."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalise_key(key: str) -> str:
    s = slug(key)
    return KEY_ALIASES.get(s, s)


def normalise_date(value: str) -> str:
    """ISO form of the usual ways to write a date: 12.3.2026, 2026-03-12, 12/03/2026, 2026-03-12T10:00:00Z."""
    v = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", v)
    if m:
        y, mo, d = m.groups()
    else:
        m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", v)
        if not m:
            return v
        d, mo, y = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return v
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def normalise_value(key: str, value: str, source: str = "") -> str:
    """The vocabulary form of a controlled attribute's value; other values are trimmed.

    A stakeholder type, organisation type or interview format outside the vocabulary is an
    error: matrices by these attributes would silently get a column of their own.
    """
    value = " ".join(str(value).split())
    if key == "date" and value:
        return normalise_date(value)
    aliases = VALUE_ALIASES.get(key)
    if aliases is None or not value:
        return value
    hit = aliases.get(slug(value))
    if hit:
        return hit
    where = f"{source}: " if source else ""
    what = {"stakeholder": "stakeholder type", "organisation_type": "organisation type",
            "format": "interview format"}[key]
    raise AttributeError_(
        f"{where}unknown {what} {value!r}; allowed: {', '.join(ALLOWED[key])} (Finnish: {FINNISH_NAMES[key]})"
    )


def normalise(attrs: dict[str, str], source: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in attrs.items():
        k = normalise_key(key)
        if not k:
            continue
        out[k] = normalise_value(k, value, source)
    return out


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["stakeholder=ohs", ...]`` from the command line into a mapping."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--attr {pair!r}: expected key=value, e.g. --attr stakeholder=gig_worker")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    return out
