"""Intercoder agreement against published, hand-checkable values, edge cases, CSV input and the
project database (segments as units, uncoded text left out, missing raters)."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode import agreement as agr
from qualcode.comparison import adjudicate
from qualcode.cli import main
from qualcode.review import accept, reject
from qualcode.store import transaction
from qualcode.store.models import ADJUDICATED, ROLE_INTERVIEWER, CoderProgress, Segment

N = None  # a missing rating

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the worked examples.
KRIPP_A = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],  # binary data, two observers, no missing data: alpha = 0.095
           [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
KRIPP_B = [list("aabbdcccedda"),  # nominal data, two observers, no missing data: alpha = 0.692
           list("babbbccceddd")]
KRIPP_C = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],  # nominal, four observers, missing data: alpha = 0.743
           [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
           [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
           [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]


def test_krippendorff_published_examples():
    assert round(agr.krippendorff_alpha(KRIPP_A), 3) == 0.095
    assert round(agr.krippendorff_alpha(KRIPP_B), 3) == 0.692
    assert round(agr.krippendorff_alpha(KRIPP_C), 3) == 0.743


def test_cohen_kappa_two_by_two_table():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15. p_o = .70, p_e = .5*.6+.5*.4 = .50
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert agr.cohen_kappa(a, b) == pytest.approx(0.4)
    # Krippendorff's example A by hand: p_o = 6/10, p_e = .2*.4 + .8*.6 = .56, kappa = .04/.44
    assert agr.cohen_kappa(*KRIPP_A) == pytest.approx(0.04 / 0.44)
    assert agr.percent_agreement(KRIPP_A) == pytest.approx(0.6)


def test_percent_agreement_averages_coder_pairs_over_units_rated_twice():
    # unit 1: 3 of 3 pairs agree; unit 2: 1 of 3; unit 3 has a single rating and does not count
    data = [["x", "x", "x"], ["x", "y", N], ["x", "y", N]]
    assert agr.percent_agreement(data) == pytest.approx((1 + 1 / 3) / 2)


def test_edge_cases_are_undefined_with_a_reason():
    one_coder = agr.compare([agr.Unit("u1", {"anna": frozenset({"trust"})})])
    assert one_coder.overall.alpha is None and one_coder.overall.kappa is None
    assert one_coder.overall.percent_agreement is None and one_coder.overall.n_units == 0
    assert any("two or more coders" in n for n in one_coder.overall.notes)

    same = [agr.Unit(f"u{i}", {"anna": frozenset({"trust"}), "ben": frozenset({"trust"})}) for i in range(5)]
    report = agr.compare(same)
    trust = report.codes["trust"]
    assert trust.alpha is None and trust.kappa is None and trust.percent_agreement == 1.0 and trust.n_units == 5
    assert any("no variation" in n for n in trust.notes)
    assert report.as_json()["codes"]["trust"] == {"alpha": None, "kappa": None, "percent_agreement": 1.0,
                                                  "n_units": 5}

    assert agr.krippendorff_alpha([[1, N, 0], [N, 1, N]]) is None  # no unit rated twice
    assert agr.cohen_kappa([1, N], [N, 0]) is None
    three = agr.compare([agr.Unit("u1", {c: frozenset({"trust"}) for c in "abc"}),
                         agr.Unit("u2", {"a": frozenset({"trust"}), "b": frozenset(), "c": frozenset()})])
    assert three.overall.kappa is None and any("two coders" in n for n in three.overall.notes)
    assert three.overall.alpha is not None


def _csv(tmp_path, rows, header=True):
    path = tmp_path / "ratings.csv"
    lines = (["unit,coder,code"] if header else []) + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_with_missing_ratings_reproduces_example_c(tmp_path):
    rows = [(u, f"obs{c}", v) for c, row in enumerate(KRIPP_C) for u, v in enumerate(row) if v is not None]
    path = _csv(tmp_path, rows)
    units = agr.read_csv(path, absent_is_missing=True)
    report = agr.compare(units)
    assert round(report.overall.alpha, 3) == 0.743
    assert report.overall.n_units == 11  # unit 12 has a single rating
    assert report.overall.kappa is None  # four coders

    r = CliRunner().invoke(main, ["agreement", "--csv", str(path), "--absent-is-missing", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert set(data) == {"codes", "overall"}
    assert set(data["codes"]) == {"1", "2", "3", "4", "5"}
    for figures in [*data["codes"].values(), data["overall"]]:
        assert set(figures) == {"alpha", "kappa", "percent_agreement", "n_units"}
    assert round(data["overall"]["alpha"], 3) == 0.743


def test_csv_default_reads_absence_as_no_code_and_leaves_uncoded_units_out(tmp_path):
    # u1 both trust; u2 only anna coded; u3 rated by both with nothing applied (empty code)
    path = _csv(tmp_path, [("u1", "anna", "trust"), ("u1", "ben", "trust"), ("u2", "anna", "trust"),
                           ("u3", "anna", ""), ("u3", "ben", "")], header=False)
    report = agr.compare(agr.read_csv(path))
    assert report.n_rated == 3 and report.n_uncoded == 1
    assert report.overall.n_units == 2 and report.overall.percent_agreement == 0.5
    assert [d.unit.id for d in report.disagreements] == ["u2"]
    assert report.disagreements[0].codes == {"anna": ["trust"], "ben": []}
    counted = agr.compare(agr.read_csv(path), include_uncoded=True)
    assert counted.overall.n_units == 3 and counted.overall.percent_agreement == pytest.approx(2 / 3)
    missing = agr.compare(agr.read_csv(path, absent_is_missing=True))
    assert missing.overall.n_units == 1 and missing.disagreements == []


def test_bad_csv_names_the_line(tmp_path):
    path = _csv(tmp_path, [("u1", "anna", "trust"), ("u2", "", "trust")])
    with pytest.raises(agr.AgreementInputError, match=r"line 3: the unit and the coder"):
        agr.read_csv(path)
    path.write_text("unit,coder,code\nu1,anna,trust,extra\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["agreement", "--csv", str(path)])
    assert r.exit_code == 1 and "line 2: expected 3 columns" in r.output


def _participant_segments(engine, n):
    with transaction(engine) as s:
        return list(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER)
                              .order_by(Segment.index).limit(n)))


def test_project_agreement_on_segments(tmp_path, copy_tagged_project):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = copy_tagged_project(url)
    s1, s2, s3, s4, s5, s6 = _participant_segments(engine, 6)
    with transaction(engine) as s:
        interviewer = s.scalar(select(Segment.id).where(Segment.role == ROLE_INTERVIEWER))
        n_participant = len(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER)).all())
    for seg, code in [(s1, "trust"), (s2, "trust"), (s3, "emotional_support")]:
        accept(engine, seg, code, "anna")
    reject(engine, s4, "trust", "anna")  # anna rated s4: no code
    accept(engine, interviewer, "trust", "anna")  # interviewer turns are not data
    for seg, code in [(s1, "trust"), (s2, "emotional_support"), (s3, "emotional_support"), (s4, "trust"),
                      (s5, "trust")]:
        accept(engine, seg, code, "ben")
    adjudicate(engine, s6, ["competition"], "lead")  # the consensus is not a coder

    report = agr.project_agreement(engine)
    assert report.coders == ["anna", "ben"]
    # overall, units s1..s4 (s5: anna did not rate it): trust/trust, trust/emo, emo/emo, none/trust
    # p_o = 2/4; p_anna = {trust .5, emo .25, none .25}, p_ben = {trust .5, emo .5}: p_e = .375
    assert report.overall.n_units == 4
    assert report.overall.percent_agreement == pytest.approx(0.5)
    assert report.overall.kappa == pytest.approx((0.5 - 0.375) / (1 - 0.375))
    # trust on s1..s4: anna 1 1 0 0, ben 1 0 0 1 -> kappa 0; alpha = 1 - D_o/D_e = 1 - .5/(32/56) = .125
    trust = report.codes["trust"]
    assert (trust.n_units, trust.percent_agreement, trust.kappa) == (4, 0.5, pytest.approx(0.0))
    assert trust.alpha == pytest.approx(0.125)
    assert "competition" not in report.codes
    assert [d.unit.segment_id for d in report.disagreements] == [s2, s4]
    link = report.disagreements[0].link
    assert link == f"/review?transcript=ohs_group&view=compare&segment={s2}"

    # anna marks the transcript done: every segment she left alone is now rated "no code"
    with transaction(engine) as s:
        s.add(CoderProgress(transcript_id=1, coder="anna", done=True))
    report = agr.project_agreement(engine)
    assert report.overall.n_units == 5 and [d.unit.segment_id for d in report.disagreements] == [s2, s4, s5]
    assert report.n_uncoded == n_participant - 5  # rated by anna alone, with nothing applied
    assert agr.project_agreement(engine, include_uncoded=True).overall.n_units == 5  # not paired yet
    with transaction(engine) as s:
        s.add(CoderProgress(transcript_id=1, coder="ben", done=True))
    report = agr.project_agreement(engine)
    assert report.overall.n_units == 5
    assert report.n_rated == n_participant and report.n_uncoded == n_participant - 5
    assert any("not counted as agreement" in n for n in report.notes())
    nvivo_style = agr.project_agreement(engine, include_uncoded=True)
    assert nvivo_style.overall.n_units == n_participant
    assert nvivo_style.overall.percent_agreement > 0.95 > report.overall.percent_agreement

    with_consensus = agr.project_agreement(engine, include_adjudicated=True, coders=["anna", ADJUDICATED])
    assert with_consensus.coders == ["anna", ADJUDICATED]


def test_cli_agreement_on_the_project_and_saved_ratings_round_trip(tmp_path, copy_tagged_project):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = copy_tagged_project(url)
    segs = _participant_segments(engine, 12)
    for i, seg in enumerate(segs):
        accept(engine, seg, "trust" if i % 3 else "resilience", "anna")
        accept(engine, seg, "trust" if i % 4 else "resilience", "ben")
        accept(engine, seg, "trust" if i % 2 else "competition", "cecilia")
    saved = tmp_path / "ratings.csv"
    r = CliRunner().invoke(main, ["--db", url, "agreement", "--json", "--save-ratings", str(saved)])
    assert r.exit_code == 0, r.output
    from_db = json.loads(r.output)
    assert from_db["overall"]["kappa"] is None  # three coders
    r = CliRunner().invoke(main, ["agreement", "--csv", str(saved), "--absent-is-missing", "--json"])
    assert json.loads(r.output) == from_db

    r = CliRunner().invoke(main, ["--db", url, "agreement", "--coder", "anna", "--coder", "ben",
                                  "--base-url", "https://qc.example.org"])
    assert r.exit_code == 0, r.output
    assert "OVERALL" in r.output and "https://qc.example.org/review?transcript=ohs_group&view=compare&segment=" in r.output
    pairs = json.loads(CliRunner().invoke(main, ["--db", url, "agreement", "--coder", "anna", "--coder", "ben",
                                                 "--json"]).output)
    assert not math.isclose(pairs["overall"]["kappa"], 1.0)
    r = CliRunner().invoke(main, ["--db", url, "agreement", "--transcript", "nope"])
    assert r.exit_code == 1 and "no transcript named 'nope'" in r.output
