"""Accounts: sign-in, roles, scope, user management and the first administrator."""

import hmac

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login.utils import _user_context_processor

from feedback_app.accounts.passwords import password_stamp
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
    def load_user(session_id: str) -> User | None:
        """The signed-in user; a deactivated account, or a session made with a password
        that has since changed, is signed out at its next request."""
        user_id, _, stamp = session_id.partition(".")
        try:
            user = db.get(User, int(user_id))
        except ValueError:
            return None
        if user is None or not user.is_active:
            return None
        return user if hmac.compare_digest(stamp, password_stamp(user.password_hash)) else None

    _lazy_user_in_templates(app)
    app.register_blueprint(bp)
    app.cli.add_command(cli.create_admin)


def _lazy_user_in_templates(app: Flask) -> None:
    """Templates get ``current_user`` as the lazy proxy, loaded only where a page reads it.

    Flask-Login's own context processor loads the user for every template, and so
    runs its session protection on every public page too: a citizen's session
    (CSRF token, what was just sent) was rewritten, and a remember-me cookie
    cleared, on every page of the public form.
    """
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if p is not _user_context_processor]
    app.context_processor(lambda: {"current_user": current_user})
