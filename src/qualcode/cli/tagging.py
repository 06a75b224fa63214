"""Commands for pre-tagging and measuring the tagger: tag, train, evaluate."""

from __future__ import annotations

import json

import click

from ..codebook import CodebookError, load_codebook
from ..evaluate import GoldFileError, read_gold
from . import main
from .common import fail, progress_bar


@main.command("tag")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None,
              help="Codebook YAML [default: codebooks/peer_support.yaml].")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes that parse and tag in parallel.")
@click.option("--no-model", is_flag=True, help="Rules and examples only; ignore the model learnt from corrections.")
@click.pass_obj
def tag_cmd(obj, codebook_path, jobs, no_model):
    """Segment new transcripts and pre-tag every segment not yet tagged by this codebook version.

    Retrains the correction model first when enough new decisions were made since the last one
    (and the new model suggests again where nobody has decided yet).
    """
    from ..pretag import pretag

    try:
        book, text = load_codebook(codebook_path)
        with progress_bar("tag", "word") as update:
            report = pretag(obj.engine, book, text, source_path=codebook_path, progress=update, jobs=jobs,
                            retrain=not no_model, use_model=not no_model)
    except CodebookError as exc:
        fail(str(exc))
    click.echo(report.summary())


@main.command("train")
@click.option("--json", "as_json", is_flag=True, help="Print the cross-validated scores as JSON.")
@click.option("--show", is_flag=True, help="Only show the scores of the model in use; do not train.")
@click.pass_obj
def train_cmd(obj, as_json, show):
    """Train the suggestion model on the project's accepted and rejected codings (current codebook).

    The new model then suggests again for the segments nobody has decided on yet.
    """
    from ..evaluate import format_report
    from ..pretag import learn
    from ..tagging.learning import current_scores

    if show:
        scores = current_scores(obj.engine)
        if scores is None:
            fail("no model trained yet: review some suggestions, then run `qualcode train`")
        click.echo(json.dumps(scores, ensure_ascii=False, indent=2) if as_json else format_report(scores))
        return
    with progress_bar("train", "word") as update:
        done = learn(obj.engine, force=True, progress=update)
    report = done.training
    if as_json:
        refreshed = done.refreshed.segments_tagged if done.refreshed else 0
        click.echo(json.dumps({"trained": report.trained, "why": report.why, **report.scores,
                               "segments_suggested_again": refreshed}, ensure_ascii=False, indent=2))
        return
    click.echo(done.summary())
    if report.trained and report.scores.get("per_code"):
        click.echo(format_report(report.scores))


@main.command("evaluate")
@click.option("--gold", "gold_path", required=True, type=click.Path(dir_okay=False),
              help='JSON lines {"text": ..., "codes": [...]}.')
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON with keys micro, macro, per_code, n.")
@click.option("--learning-curve", "curve", is_flag=True,
              help="Train the correction model on growing parts of the gold set; print F1 against corrections.")
@click.option("--sizes", default="0,25,50,100,150", show_default=True,
              help="Training sizes (segments) for --learning-curve.")
@click.option("--train-gold", "train_path", type=click.Path(dir_okay=False), default=None,
              help="With --learning-curve: take the corrections from this gold file and test on all of --gold.")
@click.option("--no-examples", is_flag=True, help="Rules only (to measure what the examples add).")
def evaluate_cmd(gold_path, codebook_path, as_json, curve, sizes, train_path, no_examples):
    """Run the pre-tagger on a gold set and report precision, recall and F1."""
    from ..evaluate import evaluate_tagger, format_curve, format_report, learning_curve
    from ..nlp import load_pipeline
    from ..tagging import Tagger

    try:
        book, _ = load_codebook(codebook_path)
        gold = read_gold(gold_path)
        train = read_gold(train_path) if train_path else None
        sizes_n = [int(x) for x in sizes.split(",") if x.strip()]
    except (CodebookError, GoldFileError) as exc:
        fail(str(exc))
    except ValueError:
        fail(f"--sizes: expected comma-separated whole numbers, got {sizes!r}")
    tagger = Tagger(load_pipeline(), book, use_examples=not no_examples)
    if curve:
        rows = learning_curve(tagger, gold, sizes_n, train_items=train)
        click.echo(json.dumps(rows, indent=2) if as_json else format_curve(rows))
        return
    report = evaluate_tagger(tagger, gold)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
