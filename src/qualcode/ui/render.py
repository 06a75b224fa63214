"""Safe rendering of transcript text: everything from a transcript is escaped before display.

Text goes through ``esc_html`` into ``st.html`` blocks, or through ``esc_md`` wherever Streamlit
reads Markdown (button labels, captions, help tooltips). Colours are checked to be ``#rrggbb``.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
GREY = "#777777"


def esc_html(text: str) -> str:
    return html.escape(str(text), quote=True)


def esc_md(text: str) -> str:
    """Text shown through Markdown: HTML escaped and Markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def colour(value: str | None) -> str:
    return value if value and _COLOUR.fullmatch(value) else GREY


def chip(label: str, colour_: str, *, dim: bool = False, struck: bool = False, title: str = "") -> str:
    """An HTML badge for a code (label escaped; colour checked to be #rrggbb)."""
    c = colour(colour_)
    opacity = "0.55" if dim else "1"
    deco = "text-decoration:line-through;" if struck else ""
    tip = f' title="{esc_html(title)}"' if title else ""
    return (f'<span class="qc-chip"{tip} style="background:{c}22;border:1px solid {c};border-radius:0.6em;'
            f'padding:0 0.45em;margin-right:0.25em;font-size:0.85em;opacity:{opacity};{deco}">'
            f'{esc_html(label)}</span>')


def turn_header(speaker: str, role_label: str, timestamp: str | None, *, interviewer: bool,
                continued: str = "") -> str:
    colour_ = "#8a8a8a" if interviewer else "#1b1b1b"
    stamp = f" <small>[{esc_html(timestamp)}]</small>" if timestamp else ""
    more = f" <small><i>{esc_html(continued)}</i></small>" if continued else ""
    return (f'<div class="qc-turn" style="margin-top:0.5em;color:{colour_}"><b>{esc_html(speaker)}</b>'
            f' <small>({esc_html(role_label)})</small>{stamp}{more}</div>')


def segment_block(text: str, *, interviewer: bool, chips: list[str], others: list[str], memos: list[str],
                  focus: bool = False) -> str:
    """A segment's text with its codes under it; ``chips``/``others`` are ready ``chip()`` HTML,
    ``memos`` plain text (escaped here)."""
    style = "color:#8a8a8a;" if interviewer else ""
    border = "border-left:3px solid #f0a500;padding-left:0.5em;" if focus else "padding-left:calc(0.5em + 3px);"
    parts = [f'<div class="qc-seg" style="{style}{border}">{esc_html(text)}']
    if chips:
        parts.append(f'<div style="margin-top:0.2em">{"".join(chips)}</div>')
    if others:
        parts.append(f'<div style="margin-top:0.2em;font-size:0.85em;color:#666">{"".join(others)}</div>')
    for m in memos:
        parts.append(f'<div style="margin-top:0.2em;font-size:0.85em;color:#555">✎ {esc_html(m)}</div>')
    parts.append("</div>")
    return "".join(parts)
