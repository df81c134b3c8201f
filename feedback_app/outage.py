"""When the database cannot be reached: a friendly 503, never a 500 or a half-written row.

A database that is restarting, unreachable or locked makes SQLAlchemy raise
``OperationalError`` / ``InterfaceError`` (or a pool timeout). This module turns
those into a 503 with ``Retry-After``:

- the public form (GET or POST) answers with a short Indonesian "coba lagi" page;
  a POST gets the citizen's answers back as a form with one button, so what they
  sent is not lost and "Kirim lagi" stores it once (the form key is kept, so a
  submission the database did commit after all is not stored twice);
- staff pages answer with a plain 503 page.

The request's transaction is rolled back and its session dropped, so nothing of
it is committed, and the browser's session cookie is left as it came. A failure
of the commit itself (the database went away between the view and the commit
hook) reaches Flask as a 500 with the database error as its
``original_exception``; that 500 becomes the same 503.

The page is rendered from the Jinja environment without the template context
processors: those load the signed-in user, which needs the database. Engines for
PostgreSQL use ``pool_pre_ping`` (see :func:`feedback_app.db.make_engine`), so
once the database is back the next request gets a working connection and the
app recovers without a restart.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

#: seconds a client is asked to wait before trying again
DEFAULT_RETRY_AFTER = 10

#: SQLite reports an unusable database file as OperationalError with one of these
#: messages; its other OperationalErrors (a bad statement, a missing table) are bugs
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database",
    "disk i/o error",
    "database or disk is full",
)


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or used right now (as opposed to a bug)."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        message = str(original).lower()
        return isinstance(original, sqlite3.OperationalError) and message.startswith(
            _SQLITE_UNAVAILABLE
        )
    # PostgreSQL (psycopg): OperationalError covers refused and dropped connections,
    # a server shutting down or starting up, a database not accepting connections
    return isinstance(error, OperationalError | InterfaceError)


def _discard_session() -> None:
    """Roll back and drop the request's session: the commit hook then has nothing to do."""
    session = g.pop("db_session", None)
    if session is None:
        return
    with suppress(SQLAlchemyError):
        session.rollback()
    with suppress(SQLAlchemyError):
        session.close()


def _restore_browser_session() -> None:
    """Leave the browser's session cookie as it came: the request did not happen.

    A view may have noted something in the session (the public form remembers
    what this browser sent, to recognise a resend) before its commit failed;
    saving that would make the citizen's "Kirim lagi" look like a resend.
    """
    as_sent = current_app.session_interface.open_session(current_app, request)
    if as_sent is None:
        return
    session.clear()
    session.update(as_sent)
    session.modified = False


def _kept_answers() -> list[tuple[str, str]] | None:
    """A citizen's POSTed form, to be handed back for a resend; None elsewhere."""
    if request.blueprint != "public" or request.method != "POST":
        return None
    with suppress(Exception):
        fields = list(request.form.items(multi=True))
        if any(name == "form_key" for name, _ in fields):
            return fields
    return None


def unavailable_response(error: BaseException) -> Any:
    current_app.logger.warning(
        "database unavailable during %s %s: %s",
        request.method,
        request.path,
        str(getattr(error, "orig", None) or error).splitlines()[0][:200],
    )
    _discard_session()
    _restore_browser_session()
    public = request.blueprint == "public"
    template = current_app.jinja_env.get_template("errors/503.html")
    page = template.render(
        public=public,
        kept=_kept_answers(),
        retry_url=request.full_path.rstrip("?") if request.method == "GET" else None,
        form_url=request.path,
        lang=str(get_locale() or "id"),
    )
    retry_after = int(current_app.config.get("DATABASE_RETRY_AFTER", DEFAULT_RETRY_AFTER))
    headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}
    return page, 503, headers


def init_app(app: Flask) -> None:
    """Register the 503 answers; call after the generic error pages are registered."""
    previous = app.error_handler_spec[None].get(500, {}).get(InternalServerError)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):  # type: ignore[no-untyped-def]
        if is_unavailable(error):
            return unavailable_response(error)
        raise error  # a bug: Flask answers it as any other 500

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):  # type: ignore[no-untyped-def]
        original = error.original_exception
        if original is not None and is_unavailable(original):
            return unavailable_response(original)
        if request.blueprint == "public":
            # what the failed request noted (the answers just sent) must not make
            # the citizen's next try look like a resend
            _restore_browser_session()
        return previous(error) if previous is not None else error
