"""Persistence: the only package that talks to the database (SQLAlchemy 2.0)."""

from .db import (
    DEFAULT_DB_URL,
    ConflictError,
    SchemaError,
    init_schema,
    make_engine,
    resolve_url,
    session_factory,
    transaction,
)
from .schema import migrate
from . import audit, models, set_triggers  # noqa: F401  (audit registers the session hook that logs changes,
#                                            set_triggers the triggers new databases get)

__all__ = ["DEFAULT_DB_URL", "ConflictError", "SchemaError", "audit", "init_schema", "make_engine", "migrate",
           "models", "resolve_url", "session_factory", "transaction"]
