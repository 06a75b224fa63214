"""Convert .doc/.odt/.rtf to .docx with LibreOffice (``soffice``), when it is installed.

Runs headless with a throw-away profile (so it does not clash with an open LibreOffice),
offline, with a time limit. Only used on request (``--convert``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .package import ImportRefused

CONVERT_SUFFIXES = (".doc", ".odt", ".rtf")
TIMEOUT_S = 120


def soffice() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def to_docx(path: str | Path, out_dir: str | Path) -> Path:
    """Write ``out_dir/<stem>.docx`` converted from ``path``; raises ImportRefused on failure."""
    path, out_dir = Path(path), Path(out_dir)
    exe = soffice()
    if exe is None:
        raise ImportRefused(path, "--convert needs LibreOffice, which is not installed",
                            "install it (Debian: apt-get install libreoffice-writer-nogui) or save the file "
                            "as .docx in Word")
    with tempfile.TemporaryDirectory(prefix="qualcode-soffice-") as profile:
        env = {**os.environ, "HOME": profile}
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(path.resolve())]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ImportRefused(path, f"LibreOffice did not finish converting within {TIMEOUT_S} s",
                                "open the file in Word or LibreOffice and save it as .docx") from exc
    out = out_dir / f"{path.stem}.docx"
    if proc.returncode != 0 or not out.exists():
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ImportRefused(path, f"LibreOffice could not convert the file ({detail[0][:200]})",
                            "open it in Word or LibreOffice and save it as .docx")
    return out
