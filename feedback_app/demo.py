"""``flask demo-data``: a realistic demo organisation (filled in by the demo-data work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
