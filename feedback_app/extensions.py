"""Extensions, created unbound and bound in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No default limits: only the routes that need one (login, public form) carry one.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The browser's remembered choice, else its Accept-Language, else Indonesian."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    try:
        chosen = request.cookies.get("lang")
    except RuntimeError:  # outside a request: CLI commands report in Indonesian
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
