from feedback_app.models import Role
from tests.conftest import login


def test_admin_sees_units_page(client, factory):
    admin = factory.user(Role.AGENCY_ADMIN)
    factory.unit(agency=admin.agency, name="Dinas Kependudukan")
    login(client, admin.email)
    page = client.get("/org/units/")
    assert page.status_code == 200
    assert "Dinas Kependudukan" in page.get_data(as_text=True)
