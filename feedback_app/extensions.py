"""Extensions, created unbound and bound in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


def _hashed_address() -> str:
    # never put a raw IP into the (Redis) counter keys
    from feedback_app.public.ratelimit import client_hash

    return client_hash()


# No default limits: only the routes that need one (login, public form) carry one.
limiter = Limiter(key_func=_hashed_address, default_limits=[])


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
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
