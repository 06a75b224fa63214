"""Spoken Finnish lemmas: the spoken-form table, restoration of dropped sounds, compound parts."""

from __future__ import annotations

import pytest

from qualcode.nlp import compound_parts
from qualcode.spoken import SPOKEN_LEMMAS, spoken_lemma, standard_candidates


@pytest.mark.parametrize("form,pos,lemma", [
    ("mä", "", "minä"), ("Mää", "", "minä"), ("sä", "", "sinä"), ("oon", "", "olla"), ("ollu", "", "olla"),
    ("ku", "", "kun"), ("tiiä", "", "tietää"), ("kyl", "", "kyllä"), ("sit", "", "sitten"),
    ("et", "SCONJ", "että"), ("et", "AUX", "ei"), ("mut", "CCONJ", "mutta"), ("mut", "PRON", "minä"),
    ("myö", "", "me"), ("miun", "", "minä"), ("viel", "", "vielä"), ("oottanu", "", "odottaa"),
    ("ratkasuu", "", "ratkaisu"), ("rohkasua", "", "rohkaisu"),
])
def test_spoken_table(form, pos, lemma):
    assert spoken_lemma(form, pos) == lemma


@pytest.mark.parametrize("form,lemma", [
    ("kirjotetaan", "kirjoittaa"), ("ilmottaa", "ilmoittaa"), ("tehhään", "tehdä"), ("tieot", "tieto"),
    ("henkilökohtasta", "henkilökohtainen"), ("itestäni", "itse"), ("ulkopuoliseks", "ulkopuolinen"),
])
def test_spoken_forms_restored_through_voikko(form, lemma):
    from qualcode.nlp import restore_spoken

    assert restore_spoken(form) == lemma


def test_spoken_table_unknown_form_and_keys_lower_case():
    assert spoken_lemma("luottamus") is None
    assert all(k == k.lower() for k in SPOKEN_LEMMAS)


def test_spoken_table_lists_each_form_once():
    """A dict literal keeps the last of two equal keys without a word: a form added twice
    with different lemmas would silently lose one."""
    import ast
    import collections
    import inspect

    import qualcode.spoken

    tree = ast.parse(inspect.getsource(qualcode.spoken))
    table = next(n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", "") == "SPOKEN_LEMMAS")
    counts = collections.Counter(k.value for k in table.keys)
    assert [form for form, n in counts.items() if n > 1] == []
    assert len(counts) == len(SPOKEN_LEMMAS)


@pytest.mark.parametrize("form,expected", [
    ("naureskellu", "naureskellut"), ("halas", "halasi"), ("ryhmäs", "ryhmässä"), ("siel", "siellä"),
    ("yhessä", "yhdessä"), ("ystäviäki", "ystäviäkin"), ("vaikee", "vaikea"),
    # the mää/sää and mie/sie varieties: -oittaa and -ainen without i, doubling, itte-, ois-, -ks, -t
    ("kirjotetaan", "kirjoitetaan"), ("henkilökohtasta", "henkilökohtaista"), ("sekasin", "sekaisin"),
    ("tehhään", "tehdään"), ("tieot", "tiedot"), ("itteni", "itseni"), ("oisin", "olisin"),
    ("ulkopuoliseks", "ulkopuoliseksi"), ("meit", "meitä"),
])
def test_standard_candidates_contain_the_standard_spelling(form, expected):
    assert expected in standard_candidates(form)


def test_pipeline_lemmas_of_spoken_sentence(nlp):
    doc = nlp("mä oon ollu ihan yhessä niitten kaa ja kyl mä tiiän et ne halas mua")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["mä"] == "minä" and lemmas["oon"] == "olla" and lemmas["ollu"] == "olla"
    assert lemmas["yhessä"] == "yhdessä"
    assert lemmas["tiiän"] == "tietää"
    assert lemmas["halas"] == "halata"
    assert {t._.lemma_source for t in doc if t.text in ("mä", "yhessä")} == {"spoken"}


def test_pipeline_lemmas_of_eastern_speech(nlp):
    """Savo and Karelian forms: the table wins over Voikko's readings (myö as myödä, ottoo as otto)."""
    doc = nlp("Kyllä mie tiijjän mihin pittää ottoo yhteyttä, ja myö autetaan ku hää ei pärjeen yksin.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["mie"] == "minä" and lemmas["tiijjän"] == "tietää" and lemmas["pittää"] == "pitää"
    assert lemmas["ottoo"] == "ottaa" and lemmas["myö"] == "me" and lemmas["hää"] == "hän"
    assert lemmas["pärjeen"] == "pärjätä"


def test_compound_parts_from_voikko_structure():
    assert compound_parts("luottamuspulasta", "=ppppppppp=ppppppp", "luottamuspula") == ("luottamus", "pula")
    assert compound_parts("luottamus", "=ppppppppp", "luottamus") == ()
    assert compound_parts("xy", "=pp=pp", "xy") == ()  # does not line up: not split


def test_compound_parts_in_pipeline(nlp):
    doc = nlp("Luottamuspulasta puhuttiin, ja itseluottamusta ei ollut, ja luottokortti hävisi.")
    parts = {t.text: t._.lemma_parts for t in doc}
    assert parts["Luottamuspulasta"][1:] == ("luottamus", "pula")
    assert parts["itseluottamusta"][1:] == ("itse", "luottamus")
    assert "luottaa" not in parts["luottokortti"]  # derivations are not split into their verbs
