"""The förbund administrator writes whom participants may contact (issue 10, point 4)."""
from survey.extensions import db
from survey.models import Forbund
from tests.campaigns.conftest import error_summary


def test_forbund_admin_saves_contacts_participants_then_read(as_role, world, client):
    admin = as_role("forbund_admin")
    page = admin.get("/campaigns/information")
    assert page.status_code == 200 and "Information for participants" in page.data.decode()
    saved = admin.post("/campaigns/information", data={
        "contact_email": "enkat@norrby.se", "contact_phone": "010-123 45 67",
        "privacy_contact": "Dataskyddsombud Eva", "information_note": "Svaren används i årsrapporten."})
    assert saved.status_code == 302
    db.session.expire_all()
    own = db.session.get(Forbund, world.own.id)
    assert (own.contact_email, own.contact_phone, own.privacy_contact) == (
        "enkat@norrby.se", "010-123 45 67", "Dataskyddsombud Eva")
    about = client.get(f"/e/{world.own_campaign.token}/om").data.decode()
    assert "mailto:enkat@norrby.se" in about and 'href="tel:010-1234567"' in about
    assert db.session.get(Forbund, world.other.id).contact_email == ""  # the other förbund untouched


def test_bad_contacts_get_clear_messages_and_nothing_is_saved(as_role, world):
    admin = as_role("forbund_admin")
    response = admin.post("/campaigns/information", data={"contact_email": "inte en adress",
                                                          "contact_phone": "ring mig", "information_note": "x" * 1001})
    errors = dict(error_summary(response.data.decode()))
    assert response.status_code == 200
    assert errors["contact_email"] == "Enter an e-mail address like namn@forbund.se."
    assert errors["contact_phone"] == "Enter a telephone number with digits, spaces, + and -."
    assert errors["information_note"] == "At most 1000 characters."
    db.session.expire_all()
    assert db.session.get(Forbund, world.own.id).contact_email == ""


def test_who_may_edit(as_role, world):
    user = as_role("forbund_user")
    assert user.get("/campaigns/information").status_code == 403
    user.post("/logout")
    admin = as_role("admin")
    choose = admin.get("/campaigns/information").data.decode()
    assert f"/campaigns/information?forbund={world.other.code}" in choose
    assert admin.post(f"/campaigns/information?forbund={world.other.code}",
                      data={"contact_email": "info@sodervik.se"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Forbund, world.other.id).contact_email == "info@sodervik.se"
