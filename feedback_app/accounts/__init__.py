"""Accounts: sign-in, roles, scope, user management and the first administrator."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from feedback_app.db import db
from feedback_app.extensions import login_manager


def init_app(app: Flask) -> None:
    from feedback_app.accounts import cli
    from feedback_app.accounts.views import bp
    from feedback_app.models import User

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The signed-in user; a deactivated account is signed out at its next request."""
        try:
            user = db.get(User, int(user_id))
        except ValueError:
            return None
        return user if user is not None and user.is_active else None

    app.register_blueprint(bp)
    app.cli.add_command(cli.create_admin)
