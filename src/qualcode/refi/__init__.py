"""REFI-QDA exchange (https://www.qdasoftware.org): codebooks (.qdc) and projects (.qdpx)."""

from __future__ import annotations

from pathlib import Path


def write_qdc(codebook, path: Path) -> None:
    """Write ``codebook`` as a REFI-QDA codebook file (Codebook.xsd)."""
    raise NotImplementedError("REFI-QDA codebook export is not implemented yet")


def write_qdpx(engine, path: Path) -> None:
    """Write the whole project as a REFI-QDA project (Project-mrt2019.xsd)."""
    raise NotImplementedError("REFI-QDA project export is not implemented yet")


def read_qdpx(engine, path: Path):
    """Import a REFI-QDA project into the database."""
    raise NotImplementedError("REFI-QDA project import is not implemented yet")


def read_qdc(path: Path) -> str:
    """A REFI-QDA codebook as qualcode codebook YAML text."""
    raise NotImplementedError("REFI-QDA codebook import is not implemented yet")
