"""`qualcode codebook ...`: commands for codebook maintainers."""

from __future__ import annotations

import click

from . import main


@main.group("codebook")
def codebook_group():
    """Validate, compare and apply codebook versions."""
