"""Password hashing with argon2id (the OWASP first choice)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()

#: verified against when the e-mail is unknown, so both paths cost the same time
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 10


def password_problem(password: str) -> Any | None:
    """Why a new password is refused (a translatable message), or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return _l("Kata sandi minimal %(n)d karakter.", n=MIN_LENGTH)
    if len(set(password)) < 5:
        return _l("Kata sandi terlalu mudah ditebak.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_stamp(password_hash: str) -> str:
    """A short keyed fingerprint of a password hash, kept in the session with the user id.

    A new password changes it, so every session and remember-me cookie made with the
    old one stops working: a stolen or forgotten session ends with a password change.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, password_hash.encode(), hashlib.sha256).hexdigest()[:20]
