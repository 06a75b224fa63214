"""Safe rendering of transcript text: everything from a transcript is escaped before display."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def esc_html(text: str) -> str:
    return html.escape(text, quote=True)


def esc_md(text: str) -> str:
    """Text shown through st.markdown: HTML escaped and Markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def chip(label: str, colour: str, *, dim: bool = False) -> str:
    """An HTML badge for a code (label escaped; colour checked to be #rrggbb)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        colour = "#777777"
    opacity = "0.55" if dim else "1"
    return (f'<span style="background:{colour}22;border:1px solid {colour};border-radius:0.6em;'
            f'padding:0 0.45em;margin-right:0.25em;font-size:0.85em;opacity:{opacity}">{esc_html(label)}</span>')
