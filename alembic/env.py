"""Alembic environment: the tables' metadata, handed to the migration runner in app/db.py (the
one place besides app/models that speaks SQLAlchemy, as Alembic needs it)."""

from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on the metadata)
from app.db import run_migrations

run_migrations(SQLModel.metadata)
