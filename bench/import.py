"""How fast is `qualcode import`, and how does it compare with just reading the text with python-docx?

    python bench/import.py [--files 200] [--rounds 2]

Generates N transcripts (header table, participants table, ~120 turns of the sample interviews'
sentences with time stamps and annotations), then, each in a fresh subprocess so that peak
memory (max RSS) is its own:

- python-docx: Document(path), the text of every paragraph and table cell;
- import: qualcode's import of the same files into a new SQLite database (one transaction per file).

Prints files/s, peak memory and the ratio import/python-docx (the best of the rounds of each).
Also times the refusals (corpus files that are refused and a generated zip bomb).
Exits 1 if importing is more than 2x slower than reading with python-docx.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
MAX_RATIO = 2.0


def _p(*runs: tuple[str, bool]) -> str:
    out = []
    for text, bold in runs:
        rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
        out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')
    return f"<w:p>{''.join(out)}</w:p>"


def _table(rows: list[list[str]]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc><w:tcPr/>{_p((c, False))}</w:tc>" for c in row) + "</w:tr>"
                    for row in rows)
    return f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>{cells}</w:tbl>'


def generate(out: Path, n: int, seed: int = 3) -> list[Path]:
    """N transcripts: python-docx's default package (styles, theme, settings) with generated bodies."""
    import io
    import zipfile

    from docx import Document

    template = io.BytesIO()
    Document().save(template)
    with zipfile.ZipFile(template) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    head = parts["word/document.xml"].decode("utf-8")
    head, tail = head[:head.index("<w:body>") + len("<w:body>")], head[head.index("<w:sectPr"):]
    rng = random.Random(seed)
    sentences = []
    for src in sorted((ROOT / "transcripts" / "source").glob("*.txt")):
        body = src.read_text(encoding="utf-8").split("---", 2)[2]
        for line in body.splitlines():
            line = re.sub(r"^(\[[\d:]+\] )?[^:\[\]]{1,24}: ", "", line.strip())
            sentences += [s for s in re.split(r"(?<=[.?!])\s+", line) if len(s) > 20]
    stakeholders = ["johto", "keikkatyöntekijät", "työterveyshuolto"]
    paths = []
    for i in range(n):
        people = [f"P{j}" for j in range(1, 2 + i % 4)]
        body = [_p((f"Haastattelu B{i:03d}", False)),
                _table([[k, v] for k, v in {"Haastattelun tunniste": f"B{i:03d}", "Päivämäärä": f"{1 + i % 28}.3.2026",
                                            "Sidosryhmä": stakeholders[i % 3], "Haastattelija": "H"}.items()]),
                _p(("Osallistujat", False)),
                _table([["Puhuja", "Kuvaus"]] + [[who, "keikkatyöntekijä"] for who in people])]
        for t in range(120):
            who = "H" if t % 2 == 0 else rng.choice(people)
            text = " ".join(rng.sample(sentences, 1 if who == "H" else rng.randint(1, 4)))
            if rng.random() < 0.15:
                text += rng.choice([" [naurua]", " [epäselvä]", " (.)", " [nimi poistettu]"])
            ts = [(f"[00:{t // 4:02d}:{t % 60:02d}] ", False)] if t % 10 == 0 else []
            body.append(_p(*ts, (f"{who}:", True), (f" {text}", False)))
        path = out / f"B{i:03d}.docx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, (head + "".join(body) + tail).encode() if name == "word/document.xml" else data)
        paths.append(path)
    return paths


def phase_docx(paths: list[Path]) -> dict:
    from docx import Document

    t0 = time.perf_counter()
    chars = 0
    for p in paths:
        doc = Document(str(p))
        parts = [para.text for para in doc.paragraphs]
        parts += [c.text for table in doc.tables for row in table.rows for c in row.cells]
        chars += len("\n".join(parts))
    return {"seconds": time.perf_counter() - t0, "chars": chars}


def phase_import(paths: list[Path], db: Path) -> dict:
    from qualcode.importing import import_files
    from qualcode.store import make_engine

    engine = make_engine(f"sqlite:///{db}")
    t0 = time.perf_counter()
    reports = import_files(engine, paths)
    seconds = time.perf_counter() - t0
    bad = [r.line() for r in reports if r.status != "imported"]
    return {"seconds": seconds, "imported": sum(r.status == "imported" for r in reports), "problems": bad[:3],
            "words": sum(r.words for r in reports)}


def phase_refusals(tmp: Path) -> dict:
    import zipfile

    from qualcode.importing import read_transcript
    from qualcode.importing.package import MAX_XML_BYTES, ImportRefused

    bomb = tmp / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            chunk = b" " * (1 << 20)
            for _ in range(MAX_XML_BYTES // len(chunk) + 8):
                fh.write(chunk)
    corpus = next((d / "shared" / "docx-corpus" for d in ROOT.parents if (d / "shared" / "docx-corpus").is_dir()),
                  None)
    files = [bomb] + (sorted(corpus.glob("*.doc*")) if corpus else [])
    times = {}
    for f in files:
        t0 = time.perf_counter()
        try:
            read_transcript(f)
            continue
        except ImportRefused:
            times[f.name] = time.perf_counter() - t0
    return {"refused": times, "bomb_bytes": bomb.stat().st_size}


def run_phase(name: str, args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        if args.phase == "docx":
            result = phase_docx([Path(p) for p in Path(args.rest[0]).glob("*.docx")])
        elif args.phase == "import":
            result = phase_import(sorted(Path(args.rest[0]).glob("*.docx")), Path(args.rest[1]))
        else:
            result = phase_refusals(Path(args.rest[0]))
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "docx"
        corpus.mkdir()
        t0 = time.perf_counter()
        paths = generate(corpus, args.files)
        size = sum(p.stat().st_size for p in paths)
        print(f"generated {len(paths)} transcripts ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        docx_runs, import_runs = [], []
        for r in range(args.rounds):  # interleaved, so that load on the machine hits both alike
            docx_runs.append(run_phase("docx", [str(corpus)]))
            import_runs.append(run_phase("import", [str(corpus), str(tmp / f"bench{r}.db")]))
            if import_runs[-1]["imported"] != len(paths):
                print(f"import problems: {import_runs[-1]['problems']}")
                return 1
        refusals = run_phase("refusals", [str(tmp)])
    d = min(docx_runs, key=lambda x: x["seconds"])
    i = min(import_runs, key=lambda x: x["seconds"])
    n = len(paths)
    ratio = i["seconds"] / d["seconds"]
    print(f"{'':24}{'seconds':>9}{'files/s':>10}{'peak MB':>10}")
    print(f"{'python-docx text':24}{d['seconds']:>9.2f}{n / d['seconds']:>10.1f}{d['max_rss_mb']:>10.0f}")
    print(f"{'qualcode import':24}{i['seconds']:>9.2f}{n / i['seconds']:>10.1f}{i['max_rss_mb']:>10.0f}")
    rounds_d = ", ".join(f"{x['seconds']:.2f}" for x in docx_runs)
    rounds_i = ", ".join(f"{x['seconds']:.2f}" for x in import_runs)
    print(f"imported {i['words']:,} words; all rounds (s): python-docx {rounds_d}; import {rounds_i}")
    print(f"ratio import / python-docx: {ratio:.2f} (limit {MAX_RATIO})")
    slowest = max(refusals["refused"].items(), key=lambda kv: kv[1])
    print(f"refusals: {len(refusals['refused'])} files, slowest {slowest[1] * 1000:.1f} ms ({slowest[0]}); "
          f"zip bomb of {refusals['bomb_bytes'] / 1e3:.0f} kB refused in "
          f"{refusals['refused'].get('bomb.docx', float('nan')) * 1000:.1f} ms")
    return 0 if ratio <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
