"""Persistence: typed SQLAlchemy models, engine/session set-up and Alembic migrations."""
