"""Data safety: backup and restore independent of the database, and the free-text retention.

Commands (`flask --app survey …`): `backup FILE [--plain]`, `restore FILE [--force]`,
`retention [--dry-run] [--as-of YYYY-MM]`.
"""
from flask import Flask


def register_cli(app: Flask) -> None:
    from .cli import backup_command, restore_command, retention_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)
