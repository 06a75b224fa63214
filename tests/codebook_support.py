"""Helpers for the codebook tests: codebook variants of 1.0.0 and small real projects without the parser."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from qualcode.store import transaction
from qualcode.store.models import ROLE_INTERVIEWER, ROLE_PARTICIPANT, Segment, Transcript, TranscriptAttribute, Turn
from qualcode.store.models import utcnow

DATA = Path(__file__).resolve().parent / "data"
V100 = DATA / "peer_support_1.0.0.yaml"


def base() -> dict:
    """Codebook 1.0.0 as data (a fixed copy: the shipped file's patterns are tuned independently)."""
    return yaml.safe_load(V100.read_text(encoding="utf-8"))


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(dump(data), encoding="utf-8")
    return path


def code(data: dict, cid: str) -> dict:
    return next(c for c in data["codes"] if c["id"] == cid)


def bump(data: dict, version: str, changes: str = "test change") -> dict:
    out = copy.deepcopy(data)
    out["version"] = version
    out["changelog"].append({"version": version, "date": "2026-12-01", "changes": changes})
    return out


def migration_variant() -> dict:
    """1.1.0: trust renamed, emotional+social merged, practical split (kept as parent), competition retired."""
    data = bump(base(), "1.1.0", "rename, merge, split, retire")
    trust = code(data, "trust")
    trust["id"] = "interpersonal_trust"
    trust["renamed_from"] = ["trust"]
    emo, soc = code(data, "emotional_support"), code(data, "social_support")
    merged = copy.deepcopy(soc)
    merged.update(id="socio_emotional_support", merged_from=["emotional_support", "social_support"],
                  label={"fi": "Sosioemotionaalinen tuki", "en": "Socio-emotional support"},
                  patterns=emo["patterns"] + soc["patterns"],
                  exclude_patterns=emo["exclude_patterns"] + soc["exclude_patterns"],
                  migration_note="emotional and social support were hard to tell apart")
    data["codes"] = [c for c in data["codes"] if c["id"] not in ("emotional_support", "social_support")]
    data["codes"].insert(1, merged)
    data["codes"].append({"id": "advice", "parent": "practical_support", "split_from": "practical_support",
                          "label": {"fi": "Neuvonta", "en": "Advice"},
                          "definition": {"fi": "Neuvot ja tieto.", "en": "Advice and information."},
                          "patterns": ["neuvo", "vinkki"],
                          "migration_note": "advice and tips"})
    data["codes"].append({"id": "covering_shifts", "parent": "practical_support", "split_from": "practical_support",
                          "label": {"fi": "Tuuraus", "en": "Covering shifts"},
                          "definition": {"fi": "Vuoron tuuraaminen.", "en": "Covering a shift."},
                          "patterns": ["tuurata", "tuuraus"],
                          "migration_note": "shifts covered for each other"})
    code(data, "competition")["status"] = "retired"
    return data


SENTENCES = [
    "Kysyin toiselta keikkalaiselta neuvoa laskutuksesta.",
    "Kaveri tuurasi mun vuoron ku lapsi sairastu.",
    "Mä luotan meidän keikkalaisiin ihan täysin.",
    "On tärkeää et joku vaan kuuntelee ku on ollu raskas päivä.",
    "Meillä on semmonen WhatsApp-ryhmä, jossa ollaan kaikki keikkalaiset.",
    "Keikoista kilpaillaan, ja jokainen yrittää saada parhaat vuorot.",
    "Jaksaminen on ollu välillä tosi koetuksella.",
    "Itseluottamus on kasvanu kun oon huomannu et mä osaan.",
    "Sää oli eilen aika kylmä ja satoi vettä.",
    "Me syötiin lounasta kahdeltatoista.",
    "Esimies soitti sille ja jutteli, ku toinen keikkalainen sano et se oli pahoillaan.",
    "Ne puhuu keskenään somessa, ja siellä ollaan samassa tilanteessa.",
]


def make_project(engine, transcripts: dict[str, list[str]], stakeholder: str = "gig_worker") -> dict[str, list[int]]:
    """Transcripts whose participant sentences are already segments (one turn each), plus one interviewer turn."""
    out: dict[str, list[int]] = {}
    with transaction(engine) as s:
        for name, sentences in transcripts.items():
            lines = ["H: Kertoisitko vertaistuesta?"] + [f"V: {x}" for x in sentences]
            text = "\n".join(lines)
            t = Transcript(name=name, source_file=f"{name}.docx", content_hash=name, text=text,
                           word_count=len(text.split()), segmented_at=utcnow())
            t.attributes = [TranscriptAttribute(key="stakeholder", value=stakeholder)]
            s.add(t)
            s.flush()
            pos, ids = 0, []
            for i, line in enumerate(lines):
                role = ROLE_INTERVIEWER if i == 0 else ROLE_PARTICIPANT
                turn = Turn(transcript=t, index=i, speaker=line[0], role=role, start=pos, end=pos + len(line))
                s.add(turn)
                start = pos + 3
                seg = Segment(transcript=t, turn=turn, index=i, start=start, end=pos + len(line),
                              text=text[start:pos + len(line)], role=role, word_count=len(line.split()) - 1)
                s.add(seg)
                s.flush()
                if role == ROLE_PARTICIPANT:
                    ids.append(seg.id)
                pos += len(line) + 1
            out[name] = ids
    return out
