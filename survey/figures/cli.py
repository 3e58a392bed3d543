"""`flask figures …`: publish the figures ahead of the first visitor, prune stored patterns."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

figures_cli = AppGroup("figures", help="The published figures: releases and disclosure.")


@figures_cli.command("publish")
def publish_command():
    """Take a release of every source and decide every published table now (run after imports
    or from cron, so that no page view waits for the disclosure audit)."""
    from . import tables

    started = time.perf_counter()
    tables.build_all()
    tables.build_breakdowns()
    click.echo(f"Published every table in {time.perf_counter() - started:.1f} s.")


@figures_cli.command("prune")
@click.option("--unused-days", default=60, show_default=True, type=click.IntRange(min=1),
              help="Delete stored suppression patterns no table has used for this many days.")
def prune_command(unused_days):
    """Delete stored suppression patterns that no release uses any longer (they are solved
    again if ever needed)."""
    from . import patterns

    click.echo(f"Deleted {patterns.prune(unused_days)} stored patterns.")
