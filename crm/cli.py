"""The ``flask crm`` command group."""
from __future__ import annotations

import click
from flask.cli import AppGroup

crm_group = AppGroup("crm", help="Manage the CRM: database, admins, demo data, plugins, worker.")
"""The host's own commands; each app gets a copy with its plugins' commands (:func:`app_command_group`)."""


def app_command_group(plugin_commands) -> AppGroup:
    """A ``crm`` command group for one app: the host's commands plus that app's plugins' commands.

    Built per app, so two apps in one process (tests, several sites) never
    see each other's plugin commands.
    """
    group = AppGroup(crm_group.name, help=crm_group.help)
    for command in crm_group.commands.values():
        group.add_command(command)
    for command in plugin_commands:
        if command.name in group.commands:
            raise RuntimeError(f"command {command.name!r} is registered twice under 'flask crm'")
        group.add_command(command)
    return group


def main():
    """``crm`` console script: ``flask`` with this app."""
    from flask.cli import FlaskGroup

    from crm import create_app

    FlaskGroup(create_app=lambda: create_app())(prog_name="crm")


@crm_group.command("plugins")
def plugins_command():
    """List installed plugins and whether each is enabled."""
    from flask import current_app

    host = current_app.extensions["crm"]
    for name, info in sorted(host.infos.items()):
        state = "enabled" if host.is_enabled(name) else "disabled"
        click.echo(f"{name:<16} {info.version:<10} {state:<9} {info.title}")


def upgrade_database() -> None:
    """Upgrade the database to the head of every branch and create the built-in roles."""
    from flask_migrate import upgrade

    from crm.extensions import db
    from crm.people.services import ensure_builtin_roles

    upgrade(revision="heads")
    ensure_builtin_roles()
    db.session.commit()


@crm_group.command("init")
def init_command():
    """Create or upgrade the database (every plugin's migrations) and the built-in roles."""
    upgrade_database()
    click.echo("database is up to date")


@crm_group.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", default="Administrator", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin_command(email, name, password):
    """Create an admin account (or make an existing user admin and set the password)."""
    from sqlalchemy import select

    from crm import audit, settings
    from crm.extensions import db
    from crm.people.models import Role
    from crm.people.services import create_user, ensure_builtin_roles, user_by_email

    minimum = settings.get("crm.password_min_length")
    if len(password) < minimum:
        raise click.UsageError(f"the password must have at least {minimum} characters")
    ensure_builtin_roles()
    user = user_by_email(email)
    if user is None:
        user = create_user(email, name, password, role="admin")
    else:
        old = user.role.name
        user.role = db.session.scalar(select(Role).where(Role.name == "admin"))
        user.set_password(password)
        audit.record("user.updated", "user", user.id, {"role": (old, "admin"), "password": ("***", "***")})
    db.session.commit()
    click.echo(f"admin {user.email} is ready")


@crm_group.command("demo")
@click.option("--once", is_flag=True, help="Do nothing if demo data was loaded before.")
def demo_command(once):
    """Fill the database with demo data from every enabled plugin."""
    from crm import demo

    if once and demo.loaded():
        click.echo("demo data was loaded before")
    else:
        demo.load()
    for line in demo.logins():
        click.echo(line)


@crm_group.command("worker")
@click.option("--workers", type=int, default=None, help="Worker threads (default: QUEUE_WORKERS).")
def worker_command(workers):
    """Run the background worker (the Huey consumer): outbox delivery and every periodic task."""
    import logging

    from flask import current_app

    from crm.notify.queue import huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    count = current_app.config.get("QUEUE_WORKERS", 2) if workers is None else workers
    if count < 1:
        raise click.BadParameter("at least one worker is needed", param_hint="--workers")
    if huey().immediate:
        raise click.UsageError("QUEUE_IMMEDIATE runs tasks inline; there is nothing for a worker to do")
    huey().create_consumer(workers=count, worker_type="thread", periodic=True).run()
