"""A newly installed plugin's default grants apply when the app starts (a restart), not only on `flask crm init`."""
from __future__ import annotations

from sqlalchemy import select

from crm import hookimpl
from crm.extensions import db
from crm.hooks.records import Permission, PluginInfo
from crm.people.models import KnownPermission, Role, RolePermission
from crm.startup_grants import apply_new_permission_defaults


class NewPlugin:
    """A plugin installed later, whose permission staff hold by default."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("latecomer", "Latecomer")

    @hookimpl
    def crm_register_permissions(self):
        return [Permission("latecomer.use", "Use the latecomer", default_roles=("staff",))]


def _grants(role_name):
    return set(db.session.scalars(select(RolePermission.permission).join(Role, Role.id == RolePermission.role_id)
                                  .where(Role.name == role_name)))


def _restart(app, tmp_path, *plugins):
    """The app built again on the same database, as a restarted server builds it (no test-kit set-up)."""
    from crm import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                       "INSTANCE_PATH": str(tmp_path / "restarted")}, plugins=list(plugins))


def test_restart_with_a_new_plugin_grants_its_defaults(make_app, tmp_path):
    first = make_app(plugins=[])
    with first.app_context():
        assert "latecomer.use" not in _grants("staff")
    restarted = _restart(first, tmp_path, NewPlugin())  # create_app only: no init command in between
    with restarted.app_context():
        assert "latecomer.use" in _grants("staff")
        assert db.session.get(KnownPermission, "latecomer.use") is not None


def test_a_revoked_default_stays_revoked_after_a_restart(make_app, tmp_path):
    app = make_app(plugins=[NewPlugin()])
    with app.app_context():
        staff = db.session.scalar(select(Role).where(Role.name == "staff"))
        db.session.execute(RolePermission.__table__.delete().where(
            RolePermission.role_id == staff.id, RolePermission.permission == "latecomer.use"))
        db.session.commit()
    again = _restart(app, tmp_path, NewPlugin())
    with again.app_context():
        assert "latecomer.use" not in _grants("staff")
        assert apply_new_permission_defaults(again) is False


def test_start_up_without_tables_changes_nothing_and_does_not_fail(make_app, tmp_path):
    from crm import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path / "instance")}, plugins=[NewPlugin()])
    assert apply_new_permission_defaults(app) is False
