"""Security headers on every response, and the lifetime of a staff member's session.

Headers: a Content Security Policy that lets a page load only this site's own
files (no inline script, no third parties), with a per-request nonce for the
few inline ``<style>`` blocks (the public form inlines its CSS to stay one
small request); no framing, no MIME sniffing, a strict referrer policy, no
camera / microphone / geolocation, and HSTS in production. A view may set any
of these headers itself: what it set is kept. Where a page needs a different
policy, say so in ``POLICY_OVERRIDES`` here, so every exception is in one place.

Sessions: a signed-in staff member is signed out after ``STAFF_IDLE_MINUTES``
without a request and ``STAFF_SESSION_HOURS`` after signing in; the next page
they open is the sign-in page with a message saying why, and after signing in
they return where they were. A script's request (the counter display and an
export's progress poll, and so keep a session in use alive) gets a 401 instead,
and the next page opened explains. "Remember me" signs a staff member in again
after the browser was closed, within the same working day: the cookie lasts
``STAFF_SESSION_HOURS`` and the day counts from the last sign-in with the
password. The citizen areas (``PUBLIC_BLUEPRINTS``) are never touched by
this: a citizen's answers, resend marker and CSRF token stay.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import current_user, login_url, logout_user
from flask_login.signals import user_loaded_from_cookie, user_logged_in, user_logged_out

#: what an HTML page may load and do
DOCUMENT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # no page uses data: images (QR codes are inline SVG or files from this site)
    "img-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
#: JSON, CSV, spreadsheets, images: nothing in them may load or run anything
FILE_POLICY = "default-src 'none'; frame-ancestors 'none'"
#: Chrome shows a PDF through a built-in plugin that a stricter policy blocks
PDF_POLICY = "frame-ancestors 'none'"

#: directives that differ for one endpoint (or a whole blueprint, by its name)
POLICY_OVERRIDES: dict[str, dict[str, str]] = {
    # the designer's preview shows the citizen form inside a phone frame on its own page
    "designer.preview_form": {"frame-ancestors": "'self'"},
}

#: areas for citizens and machines: no staff session expiry there
PUBLIC_BLUEPRINTS = frozenset({"public", "transparency", "api", "read_api"})

HSTS = "max-age=31536000; includeSubDomains"

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: when the staff member signed in, and when they last made a request (Unix seconds)
SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
#: the last-seen time is written at most this often, not on every request
SEEN_RESOLUTION = 60


def csp_nonce() -> str:
    """This response's nonce, for ``<style nonce="{{ csp_nonce() }}">``."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def _policy_text(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_PLAIN_DOCUMENT_POLICY = _policy_text(DOCUMENT_POLICY)


def _document_policy() -> tuple[str, str]:
    """The page's policy and the matching X-Frame-Options value."""
    override = POLICY_OVERRIDES.get(request.endpoint or "") or POLICY_OVERRIDES.get(
        request.blueprint or ""
    )
    nonce = g.get("csp_nonce")
    if not override and not nonce:
        return _PLAIN_DOCUMENT_POLICY, "DENY"
    directives = {**DOCUMENT_POLICY, **(override or {})}
    if nonce:
        directives["style-src"] += f" 'nonce-{nonce}'"
    frame = "SAMEORIGIN" if directives["frame-ancestors"] == "'self'" else "DENY"
    return _policy_text(directives), frame


def _set_headers(response: Any) -> Any:
    if response.mimetype == "text/html":
        policy, frame = _document_policy()
    elif response.mimetype == "application/pdf":
        policy, frame = PDF_POLICY, "DENY"
    else:
        policy, frame = FILE_POLICY, "DENY"
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", frame)
    for name, value in STATIC_HEADERS.items():
        headers.setdefault(name, value)
    if current_app.config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


# --- staff session lifetime ------------------------------------------------------------


def _now() -> int:
    return int(time.time())


def _stamp_sign_in(sender: Any, **extra: Any) -> None:
    """Signing in with the password starts both clocks."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = _now()


def _stamp_restored(sender: Any, user: Any = None, **extra: Any) -> None:
    """Signed in again by the "remember me" cookie, after the browser was closed.

    The working day still counts from the last sign-in with the password, so the
    cookie cannot stretch it (the cookie itself also lasts only ``STAFF_SESSION_HOURS``).
    """
    now = _now()
    last = getattr(user, "last_login_at", None)
    session[SIGNED_IN_AT] = min(now, int(last.timestamp())) if last is not None else now
    session[SEEN_AT] = now


def _clear_stamps(sender: Any, **extra: Any) -> None:
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)


def _return_path() -> str | None:
    """Where to go after signing in again: this page, or for a form sent, the page it was on."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def _background_request() -> bool:
    """A script's fetch (the counter display, an export's progress), not a page the user opened."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return mode is not None and mode != "navigate"


def _expire_staff_session() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        return None
    if request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session and remember_cookie not in request.cookies:
        return None  # nobody signed in: leave the visitor's session alone
    if not current_user.is_authenticated:
        return None
    config = current_app.config
    now = _now()
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        # a session from before these clocks existed: they start now
        session[SIGNED_IN_AT] = session[SEEN_AT] = now
        return None
    idle_limit = int(config["STAFF_IDLE_MINUTES"]) * 60
    absolute_limit = int(config["STAFF_SESSION_HOURS"]) * 3600
    if now - signed_in >= absolute_limit:
        message = _(
            "Sesi Anda berakhir karena sudah %(hours)s jam sejak Anda masuk. "
            "Silakan masuk lagi untuk melanjutkan.",
            hours=config["STAFF_SESSION_HOURS"],
        )
    elif now - seen >= idle_limit:
        message = _(
            "Sesi Anda berakhir karena tidak ada aktivitas selama %(minutes)s menit. "
            "Silakan masuk lagi untuk melanjutkan.",
            minutes=config["STAFF_IDLE_MINUTES"],
        )
    else:
        if now - seen >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return None
    if _background_request():
        # leave the session as it is: the next page the user opens explains and signs out
        return jsonify({"error": "session expired"}), 401
    logout_user()
    flash(message, "info")
    login_view = current_app.login_manager.login_view  # type: ignore[attr-defined]
    if endpoint == login_view:
        return None
    return redirect(login_url(login_view, next_url=_return_path()))


def _refuse_nul_characters() -> Any:
    """A NUL in a staff form's text is never typing: refuse it before any form sees it.

    PostgreSQL cannot store NUL in text (the request would end in a 500) and SQLite
    would keep it. The citizen areas check their own input (``PUBLIC_BLUEPRINTS``).
    """
    if request.method not in ("POST", "PUT", "PATCH") or request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    if request.url_rule is None:
        return None  # no such page: the routing error answers (in JSON under /api/)
    values = (*request.form.values(), *request.args.values())
    if not any("\x00" in value for value in values):
        return None
    message = _("Isian berisi karakter yang tidak diizinkan (NUL). Periksa lalu kirim lagi.")
    return render_template("errors.html", code=400, message=message), 400


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(_refuse_nul_characters)
    app.before_request(_expire_staff_session)
    app.after_request(_set_headers)
    user_logged_in.connect(_stamp_sign_in, app)
    user_loaded_from_cookie.connect(_stamp_restored, app)
    user_logged_out.connect(_clear_stamps, app)
