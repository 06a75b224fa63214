"""Spoken Finnish forms that Voikko does not know, with their standard lemmas.

Interviews are transcribed literally: mä, sä, oon, ollu, et, ku, tiiä. Voikko has no analysis
for most of these and the Finnish pipeline then keeps the surface form as the lemma, so
patterns written with standard lemmas (minä, olla, tietää) would miss them.

Keys are lower-case surface forms. A value is either a lemma, or a mapping from a universal
POS tag to a lemma for forms whose reading depends on the word class (``et`` is the
conjunction *että*, or the negation verb *ei* as in "sä et tiiä").
"""

from __future__ import annotations

SPOKEN_LEMMAS: dict[str, str | dict[str, str]] = {
    # pronouns
    "mä": "minä", "mää": "minä", "mie": "minä", "mun": "minä", "mulla": "minä", "mulle": "minä",
    "multa": "minä", "mua": "minä", "mut": {"CCONJ": "mutta", "PRON": "minä", "_": "mutta"},
    "sä": "sinä", "sää": "sinä", "sie": "sinä", "sun": "sinä", "sulla": "sinä", "sulle": "sinä",
    "sulta": "sinä", "sua": "sinä",
    "ton": "tuo", "toi": "tuo", "tota": "tuo", "noi": "nuo",
    "nää": "nämä", "näis": "nämä", "noist": "nuo", "tää": "tämä", "tän": "tämä",
    "meiän": "me", "meijän": "me", "teiän": "te", "teijän": "te",
    "ite": "itse", "itte": "itse", "ittensä": "itse", "itteä": "itse", "ittee": "itse",
    # conjunctions and particles
    "et": {"SCONJ": "että", "CCONJ": "että", "AUX": "ei", "VERB": "ei", "_": "että"},
    "ku": "kun", "ko": "kun", "vaik": "vaikka", "niinku": "niinkuin",
    "niiku": "niinkuin", "sit": "sitten", "sitte": "sitten", "kyl": "kyllä", "kylä": "kyllä",
    "ny": "nyt", "nyy": "nyt", "vaa": "vain", "oikeest": "oikeasti",
    "oikeesti": "oikeasti", "jotenki": "jotenkin", "kuitenki": "kuitenkin", "myöski": "myöskin",
    "sillee": "silleen", "tollee": "tolleen",
    "nii": "niin", "niinq": "niinkuin", "mites": "miten", "miks": "miksi",
    # verbs: olla
    "oon": "olla", "oot": "olla", "ollaa": "olla", "ootte": "olla", "olis": "olla", "ois": "olla",
    "ollu": "olla",
    # other common spoken verb forms
    "tiiä": "tietää", "tiiän": "tietää", "tiijä": "tietää",
    "meen": "mennä", "mee": "mennä", "menny": "mennä", "tuun": "tulla", "tuu": "tulla",
    "tullu": "tulla", "teen": "tehdä", "tehny": "tehdä", "tehä": "tehdä",
    "saanu": "saada", "pitäny": "pitää", "pystyny": "pystyä", "joutunu": "joutua",
    "kysyny": "kysyä", "auttanu": "auttaa", "jaksanu": "jaksaa", "luottanu": "luottaa",
    "oppinu": "oppia", "sanonu": "sanoa", "sano": "sanoa", "kattoo": "katsoa",
    "kattoa": "katsoa", "kattonu": "katsoa", "kato": "katsoa", "kuullu": "kuulla",
    "ymmärtäny": "ymmärtää", "vieny": "viedä", "tarvii": "tarvita", "tarttee": "tarvita",
    "tarvis": "tarvita", "pitäis": "pitää", "vois": "voida", "voinu": "voida", "pääsee": "päästä",
    "kasvanu": "kasvaa", "sairastu": "sairastua", "alottaa": "aloittaa", "alotin": "aloittaa",
    # adjectives, nouns
    "semmonen": "semmoinen", "tommonen": "tommoinen", "tämmönen": "tämmöinen",
    "vaikee": "vaikea", "vaikeeta": "vaikea", "helppoo": "helppo",
    "isoo": "iso", "uuet": "uusi", "kaikkee": "kaikki",
    "jotai": "jokin",
   
}


def spoken_lemma(form: str, pos: str = "") -> str | None:
    """The standard lemma of a spoken form, or None if the form is not in the table."""
    entry = SPOKEN_LEMMAS.get(form.lower())
    if entry is None or isinstance(entry, str):
        return entry
    return entry.get(pos) or entry.get("_")
