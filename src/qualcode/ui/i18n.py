"""UI language (fi/en): every page declares its own strings in both languages.

    T = Strings({"title": ("Review", "Koodaus"), "n_left": ("{n} left", "{n} jäljellä")})
    st.header(T("title"))

The current language is ``st.session_state["lang"]`` (set in the sidebar). ``ALL`` lists every
table so a test can check that nothing is missing a translation.
"""

from __future__ import annotations

import threading

LANGS = ("en", "fi")
ALL: list["Strings"] = []
_run = threading.local()


def set_lang(lang: str | None) -> None:
    """Fix the language for the rest of this script run (the app's frame does this once the sidebar
    is drawn), so a page's hundreds of labels do not each look it up in the session state."""
    _run.lang = lang if lang in LANGS else None


def current_lang() -> str:
    lang = getattr(_run, "lang", None)
    if lang:
        return lang
    try:
        import streamlit as st

        lang = st.session_state.get("lang", "en")
    except Exception:  # outside a Streamlit run
        lang = "en"
    return lang if lang in LANGS else "en"


class Strings:
    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self.table = table
        ALL.append(self)

    def __call__(self, key: str, lang: str | None = None, **values) -> str:
        en, fi = self.table[key]
        text = fi if (lang or current_lang()) == "fi" else en
        return text.format(**values) if values else text
