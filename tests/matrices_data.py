"""A small project whose matrices are computed by hand in the tests (see test_matrices.py).

Three transcripts, no ohs interview (an empty vocabulary group), interviewer turns with a
coding that must not count, a participant whose own stakeholder differs from the
transcript's, a three-level code hierarchy, an old code id kept as ``renamed_from``, a
retired code, two coders and the adjudicated pseudo-coder.

Segments (speaker, words, accepted codings):

    m1 (management)       t0 H  s0 3w  anna: support          <- interviewer, never counted
                          t1 V  s1 3w  anna: practical; #adjudicated: practical
                                s2 4w  anna: emotional, trust
                          t2 H  s3 2w
                          t3 V  s4 5w  anna: practical, support
                                s5 2w  (open suggestion: trust 0.8)
    g1 (gig_worker)       t0 H  s0 3w
                          t1 P1 s1 3w  anna: trust
                                s2 2w  anna: luottamus (old id of trust)
                          t2 P2 s3 4w  anna: emotional              <- P2's own stakeholder: management
                          t3 P1 s4 6w  anna: advice; rejected competition (suggested 0.9)
    g2 (gig_worker)       t0 P1 s0 5w  ville: practical; ville rejected emotional (suggested 0.6)
                                s1 3w  anna, ville, #adjudicated: trust
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from qualcode.codebook import parse_codebook
from qualcode.store import transaction
from qualcode.store.codebooks import record_version
from qualcode.store.models import (
    ADJUDICATED,
    AuditEntry,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Segment,
    Suggestion,
    Transcript,
    TranscriptAttribute,
    Turn,
)

CODEBOOK_YAML = """\
name: mini
version: 1.0.0
date: "2026-01-01"
codes:
  - id: support
    label: {fi: Tuki, en: Support}
    definition: {fi: tuki, en: support}
  - id: practical
    parent: support
    label: {fi: Käytännöllinen tuki, en: Practical support}
    definition: {fi: käytännöllinen, en: practical}
  - id: advice
    parent: practical
    label: {fi: Neuvot, en: Advice}
    definition: {fi: neuvot, en: advice}
  - id: emotional
    parent: support
    label: {fi: Tunnetuki, en: Emotional support}
    definition: {fi: tunne, en: emotional}
  - id: trust
    renamed_from: [luottamus]
    label: {fi: Luottamus, en: Trust}
    definition: {fi: luottamus, en: trust}
  - id: competition
    label: {fi: Kilpailu, en: Competition}
    definition: {fi: kilpailu, en: competition}
  - id: legacy
    status: retired
    label: {fi: Vanha, en: Legacy}
    definition: {fi: vanha, en: legacy}
"""

WHEN = datetime(2026, 5, 4, 12, 0, 0)

TRANSCRIPTS = {
    "m1": {
        "attrs": {"stakeholder": "management", "organisation_type": "user_company"},
        "people": {"H": ("interviewer", {}), "V": ("participant", {"age_group": "45-54", "position": "johto"})},
        "turns": [("H", ["Kerro vähän tuesta."]),
                  ("V", ["Kysyin neuvoa kollegalta.", "Se kuunteli ja ymmärsi."]),
                  ("H", ["Mitä sitten?"]),
                  ("V", ["Vanhemmat näyttää miten homma tehdään.", "Niin joo."])],
    },
    "g1": {
        "attrs": {"stakeholder": "gig_worker", "organisation_type": "intermediary"},
        "people": {"H": ("interviewer", {}), "P1": ("participant", {"age_group": "18-24"}),
                   "P2": ("participant", {"age_group": "25-34", "stakeholder": "management"})},
        "turns": [("H", ["Miten te luotatte?"]),
                  ("P1", ["Luotan muihin keikkalaisiin.", "Ihan aina."]),
                  ("P2", ["Kuuntelen heitä paljon aina."]),
                  ("P1", ["Sain vinkin laskutukseen toiselta kokeneelta kuskilta."])],
    },
    "g2": {
        "attrs": {"stakeholder": "gig_worker", "organisation_type": "producer"},
        "people": {"P1": ("participant", {})},
        "turns": [("P1", ["Kaveri tuurasi mun vuoron eilen.", "Luotan kaveriin kyllä."])],
    },
}

# (transcript, segment index, code, coder, status)
CODINGS = [
    ("m1", 0, "support", "anna", "accepted"),
    ("m1", 1, "practical", "anna", "accepted"),
    ("m1", 1, "practical", ADJUDICATED, "accepted"),
    ("m1", 2, "emotional", "anna", "accepted"),
    ("m1", 2, "trust", "anna", "accepted"),
    ("m1", 4, "practical", "anna", "accepted"),
    ("m1", 4, "support", "anna", "accepted"),
    ("g1", 1, "trust", "anna", "accepted"),
    ("g1", 2, "luottamus", "anna", "accepted"),
    ("g1", 3, "emotional", "anna", "accepted"),
    ("g1", 4, "advice", "anna", "accepted"),
    ("g1", 4, "competition", "anna", "rejected"),
    ("g2", 0, "practical", "ville", "accepted"),
    ("g2", 0, "emotional", "ville", "rejected"),
    ("g2", 1, "trust", "anna", "accepted"),
    ("g2", 1, "trust", "ville", "accepted"),
    ("g2", 1, "trust", ADJUDICATED, "accepted"),
]

# (transcript, segment index, code, score)
SUGGESTIONS = [
    ("m1", 5, "trust", 0.8),
    ("g1", 4, "competition", 0.9),
    ("g2", 0, "emotional", 0.6),
    ("m1", 1, "practical", 0.7),
]

MEMO = ("m1", 1, "anna", "Vertaisneuvo: tärkeä kohta")


def build(engine) -> dict[tuple[str, int], int]:
    """Fill an empty database; returns segment ids by (transcript, segment index)."""
    book = parse_codebook(CODEBOOK_YAML)
    seg_ids: dict[tuple[str, int], int] = {}
    with transaction(engine) as s:
        version = record_version(s, book, CODEBOOK_YAML)
        for name, spec in TRANSCRIPTS.items():
            lines, turns, pos = [], [], 0
            for speaker, sentences in spec["turns"]:
                text = f"{speaker}: " + " ".join(sentences)
                turns.append((speaker, pos, sentences))
                lines.append(text)
                pos += len(text) + 1
            full = "\n".join(lines)
            t = Transcript(name=name, source_file=f"{name}.docx", content_hash=name * 8, text=full,
                           word_count=len(full.split()), imported_at=WHEN)
            t.attributes = [TranscriptAttribute(key=k, value=v) for k, v in spec["attrs"].items()]
            people = {}
            for label, (role, attrs) in spec["people"].items():
                people[label] = Participant(label=label, role=role, attributes=[
                    ParticipantAttribute(key=k, value=v) for k, v in attrs.items()])
            t.participants = list(people.values())
            s.add(t)
            s.flush()
            index = 0
            for i, (speaker, start, sentences) in enumerate(turns):
                role = spec["people"][speaker][0]
                body = start + len(speaker) + 2
                turn = Turn(transcript_id=t.id, participant_id=people[speaker].id, index=i, speaker=speaker,
                            role=role, start=body, end=body + len(" ".join(sentences)))
                s.add(turn)
                s.flush()
                offset = body
                for sentence in sentences:
                    seg = Segment(transcript_id=t.id, turn_id=turn.id, index=index, start=offset,
                                  end=offset + len(sentence), text=sentence, role=role,
                                  word_count=len(sentence.split()))
                    assert full[seg.start:seg.end] == sentence
                    s.add(seg)
                    s.flush()
                    seg_ids[(name, index)] = seg.id
                    offset += len(sentence) + 1
                    index += 1
        for name, idx, code, score in SUGGESTIONS:
            s.add(Suggestion(segment_id=seg_ids[(name, idx)], codebook_version_id=version.id, code=code, score=score,
                             source="rule", reason=f"test {code}", created_at=WHEN))
        for name, idx, code, coder, status in CODINGS:
            s.add(Coding(segment_id=seg_ids[(name, idx)], code=code, coder=coder, origin="manual", status=status,
                         codebook_version_id=version.id, created_at=WHEN, updated_at=WHEN))
        name, idx, coder, text = MEMO
        seg = s.get(Segment, seg_ids[(name, idx)])
        s.add(Memo(transcript_id=seg.transcript_id, segment_id=seg.id, coder=coder, text=text,
                   anchor_start=seg.start, anchor_end=seg.end, created_at=WHEN, updated_at=WHEN))
        version.applied_at = WHEN
    with transaction(engine) as s:  # the audit trail of this made-up data dates from WHEN too
        s.execute(update(AuditEntry).values(at=WHEN))
    return seg_ids
