"""The app's frame: sidebar (coder, language, blind coding, database) and page navigation.

``streamlit_app.py`` calls ``main()``; tests call ``main(default=...)`` to open another page first.
The default page is served at ``/`` (Streamlit ignores its ``url_path``); the others at ``/review``,
``/matrices`` ... and the Review page takes ``?transcript=NAME&view=compare`` (and ``coder``, ``lang``).
"""

from __future__ import annotations

import streamlit as st

from . import (
    agreement_page,
    codebook_page,
    export_page,
    import_page,
    matrix_page,
    review_page,
    transcripts_page,
)
from .i18n import LANGS, Strings, set_lang
from .render import esc_md
from .resources import db_label

T = Strings({
    "coder": ("Coder", "Koodaaja"),
    "coder_help": ("Your name; every decision is stored under it (kept in the address bar, so bookmark it).",
                   "Nimesi; jokainen päätös tallennetaan sen alle (säilyy osoiterivillä, joten tee kirjanmerkki)."),
    "coder_missing": ("Enter your name to start coding.", "Kirjoita nimesi aloittaaksesi koodauksen."),
    "lang": ("Language", "Kieli"),
    "lang_help": ("en: English, fi: suomi", "en: English, fi: suomi"),
    "blind": ("Blind coding", "Sokkokoodaus"),
    "blind_help": ("Hide other coders' codings on a transcript until you mark it done.",
                   "Piilota muiden koodaajien koodaukset, kunnes merkitset litteraatin valmiiksi."),
    "database": ("Database: {db}", "Tietokanta: {db}"),
    "transcripts": ("Transcripts", "Litteraatit"),
    "review": ("Review", "Koodaus"),
    "matrices": ("Matrices", "Matriisit"),
    "agreement": ("Agreement", "Yhtäpitävyys"),
    "codebook": ("Codebook", "Koodikirja"),
    "import": ("Import", "Tuonti"),
    "export": ("Export", "Vienti"),
})

# No page icons: a Material icon as favicon is fetched from fonts.gstatic.com (no network at run time).
PAGES = {
    "transcripts": transcripts_page.render,
    "review": review_page.render,
    "matrices": matrix_page.render,
    "agreement": agreement_page.render,
    "codebook": codebook_page.render,
    "import": import_page.render,
    "export": export_page.render,
}
_pages: dict[str, st.Page] = {}


def page(name: str) -> st.Page:
    """The registered page object (for ``st.switch_page``)."""
    return _pages[name]


def _sidebar() -> None:
    set_lang(None)
    with st.sidebar:
        # Options shown as their codes: a bound widget puts the shown text in the URL (?lang=fi).
        st.segmented_control(T("lang"), LANGS, key="lang", default="en", required=True, bind="query-params",
                             help=T("lang_help"))
        set_lang(st.session_state.get("lang"))
        st.text_input(T("coder"), key="coder", help=T("coder_help"), bind="query-params",
                      persist_state="session", max_chars=100)
        if not st.session_state.get("coder", "").strip():
            st.caption(T("coder_missing"))
        st.toggle(T("blind"), key="blind", value=True, help=T("blind_help"), persist_state="session")
        st.caption(T("database", db=esc_md(db_label())))


def main(default: str = "transcripts") -> None:
    st.set_page_config(page_title="qualcode", page_icon="🗂️", layout="wide")  # an emoji icon is drawn locally
    _sidebar()
    _pages.clear()
    for name, render in PAGES.items():
        _pages[name] = st.Page(render, title=T(name), url_path=name, default=name == default)
    st.navigation(list(_pages.values())).run()
