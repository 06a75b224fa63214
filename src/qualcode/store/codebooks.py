"""Codebook versions recorded in the project: which version each suggestion and coding was made under."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..codebook import Codebook, CodebookError, content_hash, parse_codebook
from .models import CodebookVersion


def record_version(session: Session, book: Codebook, yaml_text: str, source_path: str | None = None,
                   make_current: bool = True) -> CodebookVersion:
    """The row for this codebook version, created on first use; refuses an edited file with an old version."""
    digest = content_hash(yaml_text)
    row = session.scalar(
        select(CodebookVersion).where(CodebookVersion.name == book.name, CodebookVersion.version == book.version)
    )
    if row is not None and row.content_hash != digest:
        raise CodebookError(
            f"{source_path or book.name}: the codebook changed but its version is still {book.version}; "
            "bump `version` (and add a changelog entry) so earlier codings stay traceable"
        )
    if row is None:
        row = CodebookVersion(name=book.name, version=book.version, content_hash=digest, yaml_text=yaml_text,
                              source_path=source_path)
        session.add(row)
        session.flush()
    if make_current and not row.is_current:
        session.execute(update(CodebookVersion).values(is_current=False))
        row.is_current = True
    return row


def current_version(session: Session) -> CodebookVersion | None:
    return session.scalar(select(CodebookVersion).where(CodebookVersion.is_current.is_(True)))


def current_codebook(session: Session) -> tuple[Codebook, CodebookVersion] | None:
    row = current_version(session)
    if row is None:
        return None
    return parse_codebook(row.yaml_text, f"{row.name} {row.version} (database)"), row


def versions(session: Session) -> list[CodebookVersion]:
    return list(session.scalars(select(CodebookVersion).order_by(CodebookVersion.applied_at)))
