"""Interface text is Indonesian first; every string has an English translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from feedback_app.models import Role
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def test_every_interface_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "feedback_app/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {
        m.id
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(i) for i in wanted - translated)
    assert not missing, f"{len(missing)} strings lack English (run `make messages`): {missing[:10]}"


def test_pages_follow_the_language_switch(client, factory):
    admin = factory.user(Role.AGENCY_ADMIN)
    login(client, admin.email)
    assert 'lang="id"' in client.get("/org/units/").get_data(as_text=True)
    client.get("/lang/en?next=/org/units/")
    english = client.get("/org/units/").get_data(as_text=True)
    assert 'lang="en"' in english
    assert "Show inactive" in english


def test_browser_language_is_used_without_a_choice(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert 'lang="id"' in page.get_data(as_text=True)
