"""Designer pages under /surveys."""

from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/surveys")
