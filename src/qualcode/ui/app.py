"""The app's frame: sidebar (coder, language, blind coding, database) and page navigation.

``streamlit_app.py`` calls ``main()``; tests call ``main(default=...)`` to open another page first.
The default page is served at ``/`` (Streamlit ignores its ``url_path``); the others at ``/review``,
``/matrices`` ... and the Review page takes ``?transcript=NAME&view=compare`` (and ``coder``, ``lang``).
"""

from __future__ import annotations

import json
from urllib.parse import unquote

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
    "coder_help": ("Your name; every decision is stored under it. This browser remembers it (and it is in the "
                   "address, ?coder=).", "Nimesi; jokainen päätös tallennetaan sen alle. Selain muistaa sen (ja se "
                   "on osoitteessa, ?coder=)."),
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


CODER_COOKIE = "qualcode_coder"


def _browser_lang() -> str:
    """Finnish for a browser set to Finnish, English otherwise (the address's ?lang= wins)."""
    locale = getattr(st.context, "locale", None) or ""
    return "fi" if locale.lower().startswith("fi") else "en"


def _remembered_coder() -> None:
    """A new session starts with the coder name this browser used last (a cookie), unless the address names one."""
    if "coder" in st.session_state or "coder" in st.query_params:
        return
    saved = unquote((st.context.cookies or {}).get(CODER_COOKIE, ""))[:100].strip()
    if saved:
        st.session_state["coder"] = saved


def _remember_coder(name: str) -> None:
    """Keep the coder name in this browser for a year (first-party cookie on 127.0.0.1; nothing is sent out).

    Drawn on every run until the browser sends it back (a script element drawn once can be replaced
    by the next run before the browser has run it)."""
    if not name or unquote((st.context.cookies or {}).get(CODER_COOKIE, "")) == name:
        return
    value = json.dumps(name).replace("<", "\\u003c")  # a JS string literal that cannot close the tag
    st.html(f"<script>document.cookie = '{CODER_COOKIE}=' + encodeURIComponent({value}) + "
            "'; path=/; max-age=31536000; SameSite=Strict';</script>", unsafe_allow_javascript=True)


def _sidebar() -> None:
    # Before the language widget exists on a first run, the address (?lang=) or the browser decides.
    set_lang(st.session_state.get("lang") or st.query_params.get("lang") or _browser_lang())
    with st.sidebar:
        # Options shown as their codes: a bound widget puts the shown text in the URL (?lang=fi).
        st.segmented_control(T("lang"), LANGS, key="lang", default=_browser_lang(), required=True,
                             bind="query-params", help=T("lang_help"))
        set_lang(st.session_state.get("lang"))
        _remembered_coder()
        st.text_input(T("coder"), key="coder", help=T("coder_help"), bind="query-params",
                      persist_state="session", max_chars=100)
        name = (st.session_state.get("coder") or "").strip()
        if not name:
            st.caption(T("coder_missing"))
        _remember_coder(name)
        st.toggle(T("blind"), key="blind", value=True, help=T("blind_help"), persist_state="session")
        st.caption(T("database", db=esc_md(db_label())))


def main(default: str = "transcripts") -> None:
    st.set_page_config(page_title="qualcode", page_icon="🗂️", layout="wide")  # an emoji icon is drawn locally
    _sidebar()
    _pages.clear()
    for name, render in PAGES.items():
        _pages[name] = st.Page(render, title=T(name), url_path=name, default=name == default)
    st.navigation(list(_pages.values())).run()
