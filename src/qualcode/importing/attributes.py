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
    "title": "title", "otsikko": "title", "place": "place", "paikka": "place",
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
    },
    "format": {
        "individual": "individual", "individual_interview": "individual", "yksilohaastattelu": "individual",
        "group": "group", "group_interview": "group", "ryhmahaastattelu": "group",
    },
}
ALLOWED = {"stakeholder": STAKEHOLDERS, "organisation_type": ORGANISATION_TYPES, "format": INTERVIEW_FORMATS}


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


def normalise_value(key: str, value: str, source: str = "") -> str:
    """The vocabulary form of a controlled attribute's value; other values are trimmed."""
    value = " ".join(str(value).split())
    aliases = VALUE_ALIASES.get(key)
    if aliases is None or not value:
        return value
    hit = aliases.get(slug(value))
    if hit:
        return hit
    if key == "stakeholder":
        where = f"{source}: " if source else ""
        raise AttributeError_(
            f"{where}unknown stakeholder type {value!r}; allowed: {', '.join(STAKEHOLDERS)} "
            "(Finnish: johto, keikkatyöntekijät, työterveyshuolto)"
        )
    return value


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
