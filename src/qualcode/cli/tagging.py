"""Commands for pre-tagging and measuring the tagger: tag, evaluate."""

from __future__ import annotations

import json

import click

from ..codebook import CodebookError, load_codebook
from ..evaluate import GoldFileError, format_report, read_gold, scores
from . import main
from .common import fail, progress_bar


@main.command("tag")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None,
              help="Codebook YAML [default: codebooks/peer_support.yaml].")
@click.pass_obj
def tag_cmd(obj, codebook_path):
    """Segment new transcripts and pre-tag every segment not yet tagged by this codebook version."""
    from ..pretag import pretag

    try:
        book, text = load_codebook(codebook_path)
        with progress_bar("tag", "word") as update:
            report = pretag(obj.engine, book, text, source_path=codebook_path, progress=update)
    except CodebookError as exc:
        fail(str(exc))
    click.echo(report.summary())


@main.command("evaluate")
@click.option("--gold", "gold_path", required=True, type=click.Path(dir_okay=False),
              help='JSON lines {"text": ..., "codes": [...]}.')
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON with keys micro, macro, per_code, n.")
def evaluate_cmd(gold_path, codebook_path, as_json):
    """Run the pre-tagger on a gold set and report precision, recall and F1."""
    from ..nlp import load_pipeline
    from ..tagging import Tagger

    try:
        book, _ = load_codebook(codebook_path)
        gold = read_gold(gold_path)
    except (CodebookError, GoldFileError) as exc:
        fail(str(exc))
    tagger = Tagger(load_pipeline(), book)
    predicted = [[s.code for s in sugg] for sugg in tagger.suggest_texts([g.text for g in gold])]
    report = scores([g.codes for g in gold], predicted, [c.id for c in book.active_codes])
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
