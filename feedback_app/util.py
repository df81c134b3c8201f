"""Small helpers shared by the areas."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """A redirect target only when it stays on this site (no scheme, no host)."""
    if not target:
        return None
    target = target.strip()
    # Browsers treat backslashes like slashes: "/\evil.example" leaves the site.
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
