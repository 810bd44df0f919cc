"""Flask extensions, created unbound and initialised in the app factory."""
from flask import current_app, has_app_context
from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from crm.safe_paging import SQLAlchemy  # Flask-SQLAlchemy with bounded page numbers

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class AppBabel(Babel):
    """Flask-Babel with one message domain (and so one translations cache) per app.

    Flask-Babel keeps a single default domain on the extension object, whose
    cache would let the first app in a process answer for every other one;
    apps with different plugins have different catalogs (each plugin may
    ship its own), so each app gets its own domain.
    """

    @property
    def domain_instance(self):
        """The current app's default message domain.

        Outside an app context there is no app to translate for: a detached
        domain is returned, so clearing its cache is harmless.
        """
        if not has_app_context():
            return _DETACHED_DOMAIN
        return current_app.extensions.setdefault("crm_babel_domain", Domain(domain=self.domain))


_DETACHED_DOMAIN = Domain()


babel = AppBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@migrate.configure
def _version_locations(config):
    """Point Alembic at the host's and every plugin's revision folders."""
    from flask import current_app, has_app_context

    folders = current_app.config.get("CRM_MIGRATION_FOLDERS")
    if folders:
        config.set_main_option("version_locations", " ".join(folders))
        config.set_main_option("path_separator", "space")
    return config


def include_name(name, type_, parent_names):
    """Tell Alembic's comparison which database objects the models own.

    Tables the models do not declare (SQLite FTS5 tables and their shadow
    tables, made by plugins' DDL) and full-text expression indexes
    (named ``*_fts``) are created by migrations' raw DDL, not by models.
    """
    if type_ == "table":
        return name is None or name in db.metadata.tables
    if type_ == "index":
        return not (name or "").endswith("_fts")
    return True
