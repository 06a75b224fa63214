"""The Finnish spaCy pipeline, loaded once per process, with qualcode's lemma repairs.

``spacy-fi-experimental-web-md`` lemmatises with Voikko. On spoken forms (mä, oon, tiiä)
Voikko has no analysis and the surface form is kept; the ``qualcode_lemmas`` component then
uses the spoken-form table and, failing that, simplemma. It also stores each token's
compound parts (``token._.lemma_parts``: luottamuspula -> luottamuspula, luottamus, pula) so
codebook patterns match inside compounds.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .spoken import spoken_lemma, standard_candidates

MODEL_NAME = "spacy_fi_experimental_web_md"
# Lemmas and sentence splits need these; ner is only for pseudonymisation.
TAGGING_EXCLUDE = ("ner",)

if not Token.has_extension("lemma_parts"):
    Token.set_extension("lemma_parts", default=None)
if not Token.has_extension("lemma_source"):
    Token.set_extension("lemma_source", default="pipeline")
# The compound words of a Doc, {token.i: lemma_parts}: what the tagger reads per segment
# without a Token._ lookup per word (a quarter of the rules' and features' time).
if not Doc.has_extension("lemma_compounds"):
    Doc.set_extension("lemma_compounds", default=None)


class _Analyser:
    """Voikko analyses and simplemma fallbacks, cached per lower-case word form."""

    def __init__(self) -> None:
        import libvoikko

        self._voikko = libvoikko.Voikko("fi")
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[bool, tuple[str, ...]]] = {}

    def analyse(self, form: str) -> tuple[bool, tuple[str, ...]]:
        """(Voikko knows the word, lemmas of its compound parts; empty if not a compound)."""
        known, parts, _ = self.analyse_full(form)
        return known, parts

    def analyse_full(self, form: str) -> tuple[bool, tuple[str, ...], str]:
        """(known, compound parts, base form): a verb reading's infinitive when there is one.

        Participles (käynyt, verkostoitunut) give their verb (käydä, verkostoitua), as UD
        lemmatises them; lainasi gives lainata rather than laina + possessive.
        """
        hit = self._cache.get(form)
        if hit is not None:
            return hit
        with self._lock:
            analyses = self._voikko.analyze(form)
        parts: tuple[str, ...] = ()
        for analysis in analyses[:2]:
            parts = compound_parts(form, analysis.get("STRUCTURE", ""), analysis.get("BASEFORM", ""))
            if parts:
                break
        result = (bool(analyses), parts, _base_form(analyses))
        if len(self._cache) < 500_000:
            self._cache[form] = result
        return result


_VERB_BASE = re.compile(r"^\+[^(+]+\(([^)+][^)]*)\)")


def _base_form(analyses: list[dict]) -> str:
    if not analyses:
        return ""
    for a in analyses:
        if a.get("CLASS") == "teonsana":
            return a.get("BASEFORM", "").lower()
    for a in analyses:
        if a.get("PARTICIPLE"):
            m = _VERB_BASE.match(a.get("WORDBASES", ""))
            if m:
                return m.group(1).lower()
    return analyses[0].get("BASEFORM", "").lower()


def compound_parts(form: str, structure: str, baseform: str) -> tuple[str, ...]:
    """A compound's parts from Voikko's STRUCTURE ('=' opens a part) and BASEFORM.

    luottamuspulasta, ``=ppppppppp=ppppppp``, luottamuspula -> (luottamus, pula): every part
    but the last is read off the surface word, the last off the base form. Derivations are
    not split (luotettava stays luotettava), so a pattern ``luottaa`` does not reach
    luottokortti. Returns () for a word of one part or an analysis that does not line up.
    """
    form, baseform = form.lower(), baseform.lower()
    starts: list[int] = []
    pos = 0
    for ch in structure:
        if ch == "=":
            starts.append(pos)
        else:
            pos += 1
    if len(starts) < 2 or pos != len(form):
        return ()
    heads = [form[a:b].strip("-") for a, b in zip(starts, starts[1:])]
    prefix = form[: starts[-1]]
    if not baseform.startswith(prefix):
        return ()
    parts = [*heads, baseform[len(prefix):].strip("-")]
    if not all(parts):
        return ()
    return tuple(parts)


@lru_cache(maxsize=1)
def _analyser() -> _Analyser:
    return _Analyser()


@lru_cache(maxsize=1)
def _simplemma_lemmatizer():
    """simplemma with its Finnish dictionary in a MARISA trie cached on disk.

    simplemma's default dictionary decodes 3.5 million front-coded entries on first use
    (~10-20 s per process). The trie is built once per machine (``warm_lemma_cache``,
    run by ``make setup``) and then memory-mapped in a few milliseconds.
    """
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    try:
        from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

        factory = TrieDictionaryFactory()
    except ImportError:  # marisa-trie missing: the slow in-memory dictionary still works
        return Lemmatizer()
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))


def warm_lemma_cache() -> None:
    """Build simplemma's on-disk Finnish trie now (once per machine) instead of mid-run."""
    _simplemma_lemmatizer().lemmatize("luottamuksella", lang="fi")


@lru_cache(maxsize=200_000)
def _simplemma(form: str) -> str:
    return _simplemma_lemmatizer().lemmatize(form, lang="fi").lower()


def repair_lemma(token: Token, *, spoken: bool = True, fallback: bool = True) -> tuple[str, str]:
    """(lemma, source) for one token: the spoken table, then Voikko, then simplemma.

    ``spoken`` and ``fallback`` switch the table and simplemma off (``bench/lemmas.py``
    measures what each adds).
    """
    lower = token.lower_
    if spoken:
        lemma = spoken_lemma(lower, token.pos_)
        if lemma:
            return lemma, "spoken"
    if not token.is_alpha:
        return token.lemma_.lower() or lower, "pipeline"
    known, _ = _analyser().analyse(lower)
    if known or not fallback:
        return token.lemma_.lower() or lower, "voikko" if known else "pipeline"
    if spoken:
        restored = restore_spoken(lower)
        if restored:
            return restored, "spoken"
    return _simplemma(lower), "simplemma"


@lru_cache(maxsize=100_000)
def restore_spoken(form: str) -> str | None:
    """The base form of the first standard spelling of ``form`` that Voikko knows, if any."""
    analyser = _analyser()
    for candidate in standard_candidates(form):
        table = spoken_lemma(candidate)
        if table:
            return table
        known, _, base = analyser.analyse_full(candidate)
        if known and base:
            return base
    return None


@Language.component("qualcode_lemmas")
def qualcode_lemmas(doc: Doc) -> Doc:
    analyser = _analyser()
    compounds: dict[int, tuple[str, ...]] = {}
    for token in doc:
        if token.is_space or token.is_punct:
            continue
        lemma, source = repair_lemma(token)
        if lemma != token.lemma_:
            token.lemma_ = lemma
        token._.lemma_source = source
        _, parts = analyser.analyse(token.lower_)
        lemma_parts = (lemma, *[p for p in parts if p != lemma]) if parts else (lemma,)
        token._.lemma_parts = lemma_parts
        if len(lemma_parts) > 1:
            compounds[token.i] = lemma_parts
    doc._.lemma_compounds = compounds
    return doc


def lemma_compounds(doclike: Doc | Span) -> dict[int, tuple[str, ...]] | None:
    """The compounds of ``doclike``'s Doc, {token.i: (lemma, *parts)}; None if ``qualcode_lemmas`` did not run."""
    return (doclike.doc if isinstance(doclike, Span) else doclike)._.lemma_compounds


@lru_cache(maxsize=2)
def load_pipeline(with_ner: bool = False) -> Language:
    """The Finnish pipeline with qualcode's lemma component; cached per process."""
    try:
        nlp = spacy.load(MODEL_NAME, exclude=[] if with_ner else list(TAGGING_EXCLUDE))
    except OSError as exc:
        if "voikko" in str(exc).lower():
            raise RuntimeError(
                "The Finnish pipeline needs Voikko: install the Debian packages libvoikko1 and "
                "voikko-fi (`make setup` does this)."
            ) from exc
        raise
    nlp.add_pipe("qualcode_lemmas", after="lemmatizer")
    return nlp


@lru_cache(maxsize=1)
def background_pipeline() -> Language:
    """A second instance of the pipeline, for work in a background thread (learning after decisions).

    A spaCy pipeline (its Voikko handle, its string store) is not safe to use from two
    threads at once: while a background retrain and refresh parsed with the same pipeline
    as the main thread, the tests that ran after it found lemma patterns no longer matching
    (CI, 2026-12-08). Its own instance shares nothing but qualcode's locked analyser and
    caches; it costs about 230 MB and 1.3 s, once per process.
    """
    return load_pipeline.__wrapped__()


def tagging_disabled(nlp: Language, *, sentences: bool) -> list[str]:
    """Components to switch off: the parser is only needed when splitting sentences."""
    return [] if sentences else [p for p in ("parser",) if p in nlp.pipe_names]
