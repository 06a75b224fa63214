"""Persistence: the only package that talks to the database (SQLAlchemy 2.0)."""

from .db import DEFAULT_DB_URL, init_schema, make_engine, resolve_url, session_factory, transaction
from . import models

__all__ = ["DEFAULT_DB_URL", "init_schema", "make_engine", "models", "resolve_url", "session_factory", "transaction"]
