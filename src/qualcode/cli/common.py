"""Helpers the command modules share: progress bars and error exits."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from tqdm import tqdm


@contextmanager
def progress_bar(desc: str, unit: str = "it"):
    """A tqdm bar on stderr, driven by callbacks ``(done, total, label)``."""
    bar = tqdm(total=0, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=True)

    def update(done: int, total: int, label: str = "") -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        if label:
            bar.set_postfix_str(label[-40:], refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)
