"""One page of a management list, as ``?page=`` asks for it (shown by the ``pagination`` macro)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, func, select

from feedback_app.db import db


@dataclass(frozen=True)
class Page:
    #: 1-based, always between 1 and ``pages``
    page: int
    pages: int
    size: int
    #: rows of the whole query
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def current_page(query: Select, size: int | None = None) -> Page:
    """The requested page of ``query``'s rows; a page out of range shows the nearest one."""
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    size = size or current_app.config["PAGE_SIZE"]
    pages = max(1, math.ceil(total / size))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return Page(page, pages, size, total)
