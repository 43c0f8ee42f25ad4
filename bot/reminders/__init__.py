"""Scheduling and delivery. The database is the truth (rows with ``due_at``); APScheduler is the clock."""
