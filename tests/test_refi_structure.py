"""Turns found again in plain text, and segments fitted around imported selections."""

from __future__ import annotations

from qualcode.refi.structure import NO_SPEAKER, fit_segments, rebuild_turns
from qualcode.transcript import TurnData

TEXT = "Haastattelu M01\nH: Miten aloitit?\nV: Kaveri vinkkas. Sit mä jäin.\nJatkuu vielä.\n\nH: Kiitos."


def test_turns_from_labels_with_known_speakers_and_roles():
    turns, header_end = rebuild_turns(TEXT, {"H": "interviewer", "V": "participant"})
    assert [(t.speaker, t.role, TEXT[t.start:t.end]) for t in turns] == [
        ("H", "interviewer", "Miten aloitit?"),
        ("V", "participant", "Kaveri vinkkas. Sit mä jäin.\nJatkuu vielä."),  # a paragraph continues the turn
        ("H", "interviewer", "Kiitos."),
    ]
    assert TEXT[:header_end] == "Haastattelu M01\n"


def test_only_known_speakers_start_turns():
    text = "Huom: tämä on otsikko\nV: Joo.\nHuom: taas"
    turns, _ = rebuild_turns(text, {"V": "participant"})
    assert [(t.speaker, text[t.start:t.end]) for t in turns] == [("V", "Joo.\nHuom: taas")]


def test_roles_from_label_shape_without_speaker_list():
    turns, _ = rebuild_turns(TEXT, None, interviewer="H")
    assert [(t.speaker, t.role) for t in turns] == [("H", "interviewer"), ("V", "participant"),
                                                    ("H", "interviewer")]


def test_text_without_labels_is_one_turn():
    text = "  Kenttämuistiinpanot\nEi puhujia.\n"
    turns, header_end = rebuild_turns(text)
    assert len(turns) == 1 and turns[0].speaker == NO_SPEAKER
    assert text[turns[0].start:turns[0].end] == "Kenttämuistiinpanot\nEi puhujia."
    assert rebuild_turns("   \n")[0] == []


def spans(text, segs):
    return [text[s:e] for s, e, _ in segs]


def test_fit_keeps_matching_sentences_and_cuts_around_selections():
    text = "Yksi lause. Toinen lause tässä. Kolmas lause. Neljäs."
    turns = [TurnData("V", "participant", 0, len(text))]
    sentences = []
    for piece in ("Yksi lause.", "Toinen lause tässä.", "Kolmas lause.", "Neljäs."):
        start = text.index(piece)
        sentences.append((start, start + len(piece), 0))
    s2 = (sentences[1][0], sentences[1][1])
    inside = (text.index("lause tässä"), text.index("lause tässä") + len("lause"))
    across = (text.index("lause."), text.index("Kolmas") + len("Kolmas"))
    segs = fit_segments(text, turns, sentences, {s2, inside, across})
    assert spans(text, segs) == [
        "Yksi",                 # what is left of sentence 1 before the selection that starts in it
        "lause. Toinen lause tässä. Kolmas",  # a selection across sentences, exactly
        "Toinen lause tässä.",  # equals a selection: stays whole although another selection overlaps it
        "lause",                # a selection inside a sentence
        "lause.",               # the rest of sentence 3 after the cross-sentence selection
        "Neljäs.",
    ]
    assert all(ti == 0 for *_, ti in segs)


def test_fit_drops_leftovers_without_words_and_assigns_turns():
    text = "H: Mitä?\nV: No (.) joo."
    turns = [TurnData("H", "interviewer", 3, 8), TurnData("V", "participant", 12, len(text))]
    sentences = [(3, 8, 0), (12, len(text), 1)]
    sel = (text.index("joo"), len(text) - 1)
    segs = fit_segments(text, turns, sentences, {sel})
    assert [(text[s:e], ti) for s, e, ti in segs] == [("Mitä?", 0), ("No (.)", 1), ("joo", 1)]
    only_punct = fit_segments(text, turns, sentences, {(12, len(text) - 1)})
    assert [text[s:e] for s, e, _ in only_punct] == ["Mitä?", "No (.) joo"]  # "." alone is no segment
