"""Alembic environment: the host's branch here, each plugin's branch in its own folder.

The folders come from ``crm_register_migrations``; ``create_app`` passes them
as ``version_locations``.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not getattr(config, "_crm_quiet", False):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
metadata = migrate_ext.db.metadata


def _skip_empty(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _only(prefix):
    """``flask db -x only=support_ revision --autogenerate``: look only at one plugin's tables."""

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name.startswith(prefix)

    return include_object


def run_migrations_online():
    args = dict(migrate_ext.configure_args)
    only = context.get_x_argument(as_dictionary=True).get("only")
    if only:
        args["include_object"] = _only(only)
    args.setdefault("process_revision_directives", _skip_empty)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
