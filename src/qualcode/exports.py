"""Writing tables to files: CSV, Markdown, XLSX. Written to a temporary file, then renamed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .matrices import to_markdown


def write_table(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if fmt == "csv":
            frame.to_csv(tmp, encoding="utf-8")
        elif fmt == "md":
            Path(tmp).write_text(to_markdown(frame), encoding="utf-8")
        elif fmt == "xlsx":
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                frame.to_excel(xl, sheet_name="matrix")
                xl.sheets["matrix"].freeze_panes = "B2"
        else:
            raise ValueError(f"unknown format {fmt!r}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
