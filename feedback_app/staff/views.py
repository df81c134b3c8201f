"""Staff pages for the citizen path."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
