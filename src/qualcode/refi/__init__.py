"""REFI-QDA exchange (https://www.qdasoftware.org): codebooks (.qdc) and projects (.qdpx).

qualcode writes files that validate against the standard's schemas (bundled in
``refi/schemas``) with GUIDs derived from its own ids, so re-exports are identical, and reads
codebooks and projects from other tools (QualCoder, MAXQDA, NVivo, ATLAS.ti, ...).
"""

from __future__ import annotations

from pathlib import Path

from .common import RefiError
from .qdc import qdc_bytes, read_qdc, write_qdc

__all__ = ["RefiError", "qdc_bytes", "read_qdc", "read_qdpx", "write_qdc", "write_qdpx"]


def write_qdpx(engine, path: Path, **options):
    """Write the whole project as a REFI-QDA project (Project-mrt2019.xsd); returns a summary."""
    from .qdpx_write import write_qdpx as _write

    return _write(engine, Path(path), **options)


def read_qdpx(engine, path: Path, **options):
    """Import a REFI-QDA project into the database in one transaction; returns a printable report."""
    from .qdpx_import import import_qdpx

    return import_qdpx(engine, Path(path), **options)
