"""Every menu entry a user is shown opens for them (no menu link to a 403 or 404)."""

from __future__ import annotations

import re

import pytest

from feedback_app.models import Role
from feedback_app.public.links import ensure_default_survey
from tests.test_scope import sign_in


@pytest.mark.parametrize("role", list(Role))
def test_menu_links_open_for_every_role(app, client, session, factory, role):
    unit = factory.unit()
    ensure_default_survey(session, unit.agency_id)
    employee = factory.employee(unit=unit)
    kwargs = {"unit": unit} if role in (Role.UNIT_HEAD, Role.OFFICER) else {}
    if role == Role.OFFICER:
        kwargs["employee"] = employee
    user = factory.user(role, agency=None if role == Role.ADMIN else unit.agency, **kwargs)
    sign_in(app, client, user)
    home = client.get("/").get_data(as_text=True)
    links = sorted(set(re.findall(r'<li><a href="(/[^"]*)"', home)))
    if role != Role.OFFICER:
        assert links, "a signed-in manager sees a menu"
    broken = [(link, client.get(link).status_code) for link in links]
    assert [b for b in broken if b[1] >= 400] == []
