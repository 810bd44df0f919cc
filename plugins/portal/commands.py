"""The portal's commands under ``flask crm portal``: re-check custom domains."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("portal")
def portal_group():
    """Customer portal commands."""


@portal_group.command("check-domains")
@with_appcontext
def check_domains_command():
    """Check every portal's custom domain through DNS and store its state (run it periodically)."""
    from plugins.portal.domains import check_all

    results = check_all()
    if not results:
        click.echo("No portal has a custom domain.")
    for site, result in results:
        note = "" if result.decided else " (DNS did not answer; state kept)"
        click.echo(f"{site.slug}\t{site.custom_domain}\t{site.domain_state}{note}")
