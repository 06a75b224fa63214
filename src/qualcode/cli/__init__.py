"""The `qualcode` command line: a thin face over the library (no SQL or NLP here)."""

from __future__ import annotations

import click

from ..store import SchemaError, make_engine, resolve_url


class Context:
    """Shared state of one invocation: the database URL, opened on first use."""

    def __init__(self, db: str | None) -> None:
        self.url = resolve_url(db)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            try:
                self._engine = make_engine(self.url)
            except SchemaError as exc:  # a database from a newer qualcode, a failed upgrade
                raise click.ClickException(str(exc)) from exc
        return self._engine


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", metavar="URL", envvar="QUALCODE_DB", show_envvar=True,
              help="Database URL or SQLite file [default: sqlite:///outputs/qualcode.db].")
@click.version_option(package_name="qualcode")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """qualcode: code Finnish interview transcripts for peer-support themes.

    Typical session: import DOCX transcripts, pre-tag them, review in the app
    (`streamlit run streamlit_app.py`), then export theme matrices.
    """
    ctx.obj = Context(db)


from . import analysis, codebook, refi, tagging, team, transcripts  # noqa: E402,F401  (commands register themselves)
