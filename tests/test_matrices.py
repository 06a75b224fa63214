"""Theme matrices, co-occurrence and the framework matrix against hand-computed tables.

The fixture (tests/matrices_data.py) is small enough to count by hand; every expected number
below is worked out from its docstring, not read back from the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode.matrices import (
    MISSING,
    TOTAL,
    MatrixError,
    MatrixSpec,
    cell_quotes,
    code_tree,
    cooccurrence,
    framework_matrix,
    rollup_mapping,
    theme_matrix,
    theme_matrix_full,
)
from qualcode.codebook import parse_codebook
from qualcode.store.models import ADJUDICATED

from . import matrices_data

ROWS = ["support", "practical", "advice", "emotional", "trust", "competition"]
COLS = ["management", "gig_worker", "ohs", "total"]


@pytest.fixture
def mini(engine):
    matrices_data.build(engine)
    return engine


def expect(rows: dict[str, list], columns=COLS, total=None) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    if total is not None:
        frame.loc[TOTAL] = total
    return frame


def check(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(frame.index) == list(expected.index)
    assert list(frame.columns) == list(expected.columns)
    assert frame.to_numpy().tolist() == expected.to_numpy().tolist(), f"\n{frame}\n!=\n{expected}"


def test_segments_by_stakeholder_roll_up_and_exclude_interviewer(mini):
    # The interviewer's "support" in m1 t0 does not count; P2's own stakeholder puts g1 s3 under management;
    # advice counts for practical and support; luottamus counts as trust; the retired code has no row.
    frame = theme_matrix(mini, MatrixSpec(total_row=True))
    check(frame, expect({
        "support": [4, 2, 0, 6],
        "practical": [2, 2, 0, 4],
        "advice": [0, 1, 0, 1],
        "emotional": [2, 0, 0, 2],
        "trust": [1, 3, 0, 4],
        "competition": [0, 0, 0, 0],
    }, total=[4, 5, 0, 9]))


def test_words_coded(mini):
    frame = theme_matrix(mini, MatrixSpec(unit="words", total_row=True))
    check(frame, expect({
        "support": [16, 11, 0, 27],
        "practical": [8, 11, 0, 19],
        "advice": [0, 6, 0, 6],
        "emotional": [8, 0, 0, 8],
        "trust": [4, 8, 0, 12],
        "competition": [0, 0, 0, 0],
    }, total=[16, 19, 0, 35]))


def test_transcripts_mentioning_count_a_transcript_once_in_the_total(mini):
    # g1 has speakers in both groups: it counts in each group but once in the total.
    frame = theme_matrix(mini, MatrixSpec(unit="transcripts", total_row=True))
    check(frame, expect({
        "support": [2, 2, 0, 3],
        "practical": [1, 2, 0, 3],
        "advice": [0, 1, 0, 1],
        "emotional": [2, 0, 0, 2],
        "trust": [1, 2, 0, 3],
        "competition": [0, 0, 0, 0],
    }, total=[2, 2, 0, 3]))


def test_participants_mentioning(mini):
    frame = theme_matrix(mini, MatrixSpec(unit="participants", total_row=True))
    check(frame, expect({
        "support": [2, 2, 0, 4],
        "practical": [1, 2, 0, 3],
        "advice": [0, 1, 0, 1],
        "emotional": [2, 0, 0, 2],
        "trust": [1, 2, 0, 3],
        "competition": [0, 0, 0, 0],
    }, total=[2, 2, 0, 4]))


def test_shares_of_the_groups_segments_and_empty_group_is_zero(mini):
    # Bases: management 5 segments (m1 V: 4, g1 P2: 1), gig_worker 5, ohs 0, all 10.
    full = theme_matrix_full(mini, MatrixSpec())
    assert full.bases.to_dict() == {"management": 5, "gig_worker": 5, "ohs": 0, "total": 10}
    frame = theme_matrix(mini, MatrixSpec(share=True, total_row=True))
    check(frame, expect({
        "support": [80.0, 40.0, 0.0, 60.0],
        "practical": [40.0, 40.0, 0.0, 40.0],
        "advice": [0.0, 20.0, 0.0, 10.0],
        "emotional": [40.0, 0.0, 0.0, 20.0],
        "trust": [20.0, 60.0, 0.0, 40.0],
        "competition": [0.0, 0.0, 0.0, 0.0],
    }, total=[80.0, 100.0, 0.0, 90.0]))


def test_shares_of_transcripts(mini):
    frame = theme_matrix(mini, MatrixSpec(unit="documents", share=True))
    assert frame.loc["support"].tolist() == [100.0, 100.0, 0.0, 100.0]
    assert frame.loc["practical"].tolist() == [50.0, 100.0, 0.0, 100.0]
    assert frame.loc["emotional"].tolist() == [100.0, 0.0, 0.0, round(200 / 3, 1)]


def test_one_coder_and_adjudicated(mini):
    anna = theme_matrix(mini, MatrixSpec(coder="anna"))
    assert anna.loc["support"].tolist() == [4, 1, 0, 5]
    assert anna.loc["practical"].tolist() == [2, 1, 0, 3]
    assert anna.loc["trust"].tolist() == [1, 3, 0, 4]
    ville = theme_matrix(mini, MatrixSpec(coder="ville", total_row=True))
    assert ville.loc["practical"].tolist() == [0, 1, 0, 1]
    assert ville.loc[TOTAL].tolist() == [0, 2, 0, 2]
    adjudicated = theme_matrix(mini, MatrixSpec(adjudicated=True, total_row=True))
    check(adjudicated, expect({
        "support": [1, 0, 0, 1],
        "practical": [1, 0, 0, 1],
        "advice": [0, 0, 0, 0],
        "emotional": [0, 0, 0, 0],
        "trust": [0, 1, 0, 1],
        "competition": [0, 0, 0, 0],
    }, total=[1, 1, 0, 2]))
    assert MatrixSpec(coder=ADJUDICATED).adjudicated
    with pytest.raises(MatrixError):
        MatrixSpec(coder="anna", adjudicated=True)


def test_without_roll_up_sub_codes_count_alone(mini):
    frame = theme_matrix(mini, MatrixSpec(rollup=False))
    assert frame.loc["support"].tolist() == [1, 0, 0, 1]
    assert frame.loc["practical"].tolist() == [2, 1, 0, 3]
    assert frame.loc["advice"].tolist() == [0, 1, 0, 1]
    assert frame.loc["trust"].tolist() == [1, 3, 0, 4], "a renamed code still counts for its successor"


def test_status_all_adds_open_suggestions_nobody_rejected(mini):
    frame = theme_matrix(mini, MatrixSpec(status="all", total_row=True))
    assert frame.loc["trust"].tolist() == [2, 3, 0, 5]  # + m1 s5's open suggestion
    assert frame.loc["competition"].tolist() == [0, 0, 0, 0]  # anna rejected it
    assert frame.loc["emotional"].tolist() == [2, 0, 0, 2]  # ville rejected it
    assert frame.loc[TOTAL].tolist() == [5, 5, 0, 10]
    # For anna alone, ville's rejection does not close the suggestion.
    anna = theme_matrix(mini, MatrixSpec(status="all", coder="anna"))
    assert anna.loc["emotional"].tolist() == [2, 1, 0, 3]


def test_participant_attribute_with_missing_group(mini):
    frame = theme_matrix(mini, MatrixSpec(by="age_group"))
    assert list(frame.columns) == ["18-24", "25-34", "45-54", MISSING, TOTAL]
    assert frame.loc["support"].tolist() == [1, 1, 3, 1, 6]
    assert frame.loc["trust"].tolist() == [2, 0, 1, 1, 4]


def test_pseudo_attributes_transcript_and_participant(mini):
    by_transcript = theme_matrix(mini, MatrixSpec(by="transcript", unit="documents"))
    assert list(by_transcript.columns) == ["g1", "g2", "m1", TOTAL]
    assert by_transcript.loc["emotional"].tolist() == [1, 0, 1, 2]
    by_speaker = theme_matrix(mini, MatrixSpec(by="participant"))
    assert list(by_speaker.columns) == ["g1: P1", "g1: P2", "g2: P1", "m1: V", TOTAL]
    assert by_speaker.loc["support"].tolist() == [1, 1, 1, 3, 6]


def test_organisation_type_shows_every_vocabulary_value(mini):
    frame = theme_matrix(mini, MatrixSpec(by="organisation_type"))
    assert list(frame.columns) == ["user_company", "intermediary", "producer", "sole_entrepreneur", "ohs_provider",
                                   TOTAL]
    assert frame["sole_entrepreneur"].sum() == 0 and frame["ohs_provider"].sum() == 0


def test_empty_database_gives_zeros_not_errors(engine):
    frame = theme_matrix(engine, MatrixSpec(total_row=True))
    assert list(frame.columns) == COLS
    assert frame.to_numpy().sum() == 0


def test_cooccurrence_on_segments(mini):
    co = cooccurrence(mini, MatrixSpec(), "segments")
    expected = np.array([
        # support practical advice emotional trust competition
        [6, 4, 1, 2, 1, 0],
        [4, 4, 1, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [2, 0, 0, 2, 1, 0],
        [1, 0, 0, 1, 4, 0],
        [0, 0, 0, 0, 0, 0],
    ])
    assert list(co.overall.index) == ROWS and list(co.overall.columns) == ROWS
    assert co.overall.to_numpy().tolist() == expected.tolist()
    management = co.by_group["management"].to_numpy()
    assert management[0].tolist() == [4, 2, 0, 2, 1, 0]
    assert co.by_group["ohs"].to_numpy().sum() == 0
    total = sum(f.to_numpy() for f in co.by_group.values())
    assert total.tolist() == expected.tolist(), "each segment belongs to exactly one group"


def test_cooccurrence_on_turns_differs_from_segments(mini):
    co = cooccurrence(mini, MatrixSpec(), "turns")
    expected = np.array([
        [5, 4, 1, 2, 2, 0],
        [4, 4, 1, 1, 2, 0],
        [1, 1, 1, 0, 0, 0],
        [2, 1, 0, 2, 1, 0],
        [2, 2, 0, 1, 3, 0],
        [0, 0, 0, 0, 0, 0],
    ])
    assert co.overall.to_numpy().tolist() == expected.tolist()


@pytest.mark.parametrize("unit", ["segments", "turns"])
@pytest.mark.parametrize("spec", [MatrixSpec(), MatrixSpec(status="all"), MatrixSpec(coder="anna", rollup=False),
                                  MatrixSpec(by="age_group")])
def test_cooccurrence_is_symmetric(mini, unit, spec):
    co = cooccurrence(mini, spec, unit)
    for frame in co.frames().values():
        values = frame.to_numpy()
        assert (values == values.T).all()
        assert (np.diag(values)[:, None] >= values).all(), "a pair never outnumbers either code"


def test_framework_matrix_by_transcript(mini):
    fw = framework_matrix(mini, MatrixSpec(), quotes_per_cell=1)
    assert [r.key for r in fw.rows] == ["m1", "g1", "g2"]  # management first, then by name
    assert fw.codes == ROWS
    m1, g1, g2 = fw.rows
    assert {c: m1.cells[c].count for c in ROWS} == {"support": 3, "practical": 2, "advice": 0, "emotional": 1,
                                                    "trust": 1, "competition": 0}
    assert {c: g1.cells[c].count for c in ROWS} == {"support": 2, "practical": 1, "advice": 1, "emotional": 1,
                                                    "trust": 2, "competition": 0}
    # Practical in m1: s1 has anna's and the adjudicated coding, s4 one coding: s1 is more representative.
    quote = m1.cells["practical"].quotes[0]
    assert quote.text == "Kysyin neuvoa kollegalta."
    assert (quote.speaker, quote.turn) == ("V", 2)
    assert quote.reference(with_transcript=False) == "V, turn 2"
    # Trust in g2: three codings on s1.
    assert g2.cells["trust"].quotes[0].text == "Luotan kaveriin kyllä."
    assert m1.memos == ["anna: Vertaisneuvo: tärkeä kohta"] and g1.memos == []
    frame = fw.to_frame()
    assert list(frame.columns) == ["stakeholder", *ROWS, "memo"]
    assert frame.loc["m1", "practical"] == "n=2\n“Kysyin neuvoa kollegalta.” (V, turn 2)"
    assert frame.loc["m1", "competition"] == ""


def test_framework_matrix_by_participant(mini):
    fw = framework_matrix(mini, MatrixSpec(), rows="participants", quotes_per_cell=2)
    keys = [(r.key, r.group) for r in fw.rows]
    assert keys == [("g1: P2", "management"), ("m1: V", "management"), ("g1: P1", "gig_worker"),
                    ("g2: P1", "gig_worker")]
    p2 = fw.rows[0]
    assert p2.cells["emotional"].count == 1 and p2.cells["support"].count == 1
    assert fw.rows[1].memos == ["anna: Vertaisneuvo: tärkeä kohta"]
    with pytest.raises(MatrixError):
        framework_matrix(mini, MatrixSpec(), rows="turns")
    with pytest.raises(MatrixError):
        framework_matrix(mini, MatrixSpec(), codes=["nope"])


def test_cell_quotes_are_the_segments_behind_a_cell(mini):
    n, quotes = cell_quotes(mini, MatrixSpec(), "support", "management")
    assert n == 4
    assert {q.text for q in quotes} == {"Kysyin neuvoa kollegalta.", "Se kuunteli ja ymmärsi.",
                                        "Vanhemmat näyttää miten homma tehdään.", "Kuuntelen heitä paljon aina."}
    n, quotes = cell_quotes(mini, MatrixSpec(), "support", "gig_worker")
    assert n == 2 and {q.transcript for q in quotes} == {"g1", "g2"}
    n, _ = cell_quotes(mini, MatrixSpec(), "trust", TOTAL)
    assert n == 4
    n, quotes = cell_quotes(mini, MatrixSpec(), "support", "ohs")
    assert n == 0 and quotes == []


def test_code_tree_and_rollup_mapping():
    book = parse_codebook(matrices_data.CODEBOOK_YAML)
    assert code_tree(book) == [("support", 0), ("practical", 1), ("advice", 2), ("emotional", 1), ("trust", 0),
                               ("competition", 0), ("legacy", 0)]
    mapping = set(rollup_mapping(book))
    assert {("advice", "advice"), ("advice", "practical"), ("advice", "support"), ("luottamus", "trust")} <= mapping
    assert ("trust", "support") not in mapping
    flat = parse_codebook("name: flat\nversion: 1.0.0\ndate: '2026-01-01'\ncodes:\n"
                          "  - {id: a, label: {fi: a, en: a}, definition: {fi: a, en: a}}\n")
    assert rollup_mapping(flat) == ()


def test_spec_refuses_bad_values():
    with pytest.raises(MatrixError, match="unit must be one of"):
        MatrixSpec(unit="sentences")
    with pytest.raises(MatrixError, match="status must be one of"):
        MatrixSpec(status="maybe")
    assert MatrixSpec(unit="transcripts").unit == "documents"
