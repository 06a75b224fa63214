"""Lemma accuracy of the Finnish pipeline on UD Finnish-TDT (test), and what qualcode's repairs add.

Runs the pipeline on the treebank's own tokenisation and compares lower-cased lemmas with the
gold lemmas (compound boundaries ``#`` removed). Three settings, printed side by side:

1. the pipeline alone (spaCy + Voikko lemmatiser);
2. plus the simplemma fallback for words Voikko does not know;
3. plus spoken forms: the table and the restoration rules (qualcode's full ``qualcode_lemmas``).

TDT is written Finnish, so the spoken table can only show that it does no harm there; its
effect on speech is shown by the tests in ``tests/test_nlp.py``.

    PYTHONPATH=src python bench/lemmas.py [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacy.tokens import Doc  # noqa: E402

from qualcode.nlp import _analyser, load_pipeline, repair_lemma  # noqa: E402

# shared/ sits beside the checkout (main, CI) or two levels up (a worktree under wt/).
CONLLU = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
              ROOT.parent / "shared") / "ud-finnish-tdt" / "fi_tdt-ud-test.conllu"


def read_conllu(path: Path):
    """Sentences as lists of (form, lemma, upos, space_after)."""
    sent: list[tuple[str, str, str, bool]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if sent:
                yield sent
            sent = []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if not cols[0].isdigit():  # multi-word tokens and empty nodes
            continue
        sent.append((cols[1], cols[2], cols[3], "SpaceAfter=No" not in cols[9]))
    if sent:
        yield sent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conllu", type=Path, default=CONLLU)
    ap.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    args = ap.parse_args()
    if not args.conllu.exists():
        sys.exit(f"{args.conllu}: not found; pass --conllu PATH to UD Finnish-TDT's test file")
    sents = list(read_conllu(args.conllu))
    if args.limit:
        sents = sents[: args.limit]
    nlp = load_pipeline()
    pipes = [(n, p) for n, p in nlp.pipeline if n != "qualcode_lemmas"]
    settings = {"pipeline": dict(spoken=False, fallback=False),
                "+simplemma": dict(spoken=False, fallback=True),
                "+spoken forms": dict(spoken=True, fallback=True)}
    correct = {k: 0 for k in settings}
    unknown_correct = {k: 0 for k in settings}
    total = unknown = 0
    started = time.perf_counter()
    docs = (Doc(nlp.vocab, words=[t[0] for t in s], spaces=[t[3] for t in s]) for s in sents)
    for sent, doc in zip(sents, docs):
        for _, proc in pipes:
            doc = proc(doc)
        for (form, gold, upos, _), token in zip(sent, doc):
            if upos == "PUNCT":
                continue
            gold = gold.replace("#", "").lower()
            known = not token.is_alpha or _analyser().analyse(token.lower_)[0]
            total += 1
            unknown += not known
            for name, flags in settings.items():
                lemma = repair_lemma(token, **flags)[0]
                ok = lemma == gold
                correct[name] += ok
                if not known:
                    unknown_correct[name] += ok
    seconds = time.perf_counter() - started
    print(f"UD Finnish-TDT test: {len(sents)} sentences, {total} word tokens (punctuation left out), "
          f"{unknown} unknown to Voikko ({unknown / total:.1%}); {seconds:.1f} s")
    print(f"{'setting':<16} {'accuracy':>9} {'on Voikko-unknown':>18}")
    for name in settings:
        print(f"{name:<16} {correct[name] / total:9.4f} {unknown_correct[name] / max(unknown, 1):18.4f}")


if __name__ == "__main__":
    main()
