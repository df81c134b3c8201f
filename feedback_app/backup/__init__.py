"""Backups of the database: ``flask backup create``, ``verify`` and ``restore``.

SQLite is copied with SQLite's online backup API (safe while the app serves),
PostgreSQL with ``pg_dump --format=custom``. Each file gets a manifest with
per-table row counts and checksums that ``verify`` and ``restore`` check
(:mod:`.service`). Registered by ``create_app`` through :func:`init_app`.
"""

from flask import Flask


class BackupError(Exception):
    """The backup cannot be made, trusted or restored; the message tells the operator why."""


def init_app(app: Flask) -> None:
    from feedback_app.backup.cli import backup_command

    # where `flask backup create` writes without --output; default: the instance folder's backups/
    app.config.setdefault("BACKUP_DIR", None)
    app.cli.add_command(backup_command)
