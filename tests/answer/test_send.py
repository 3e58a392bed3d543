"""Sending: idempotent, atomic, anonymous; on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from survey.extensions import db
from survey.models import Answer, Draft, Response
from tests.answer.helpers import answer, answer_all, begin, draft, path_of, responses, send
from tests.answer.test_flow import PARTICIPANT_VALUES


def test_double_submit_and_retried_post_store_one_response(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    first = send(client, base)
    second = send(client, base)  # double click
    retried = client.post(f"{base}/send")  # the browser retries after a dropped connection
    assert first.status_code == second.status_code == retried.status_code == 303
    assert path_of(first.location) == path_of(second.location) == path_of(retried.location)
    assert "/thanks" in first.location
    assert "Tack för dina svar" in client.get(path_of(retried.location)).data.decode()
    assert len(responses()) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Answer)) == 8  # D1–D8


def test_after_sending_the_draft_holds_no_answers_and_no_link(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    token = base.split("/")[3]
    response = send(client, base)
    assert draft(token) is None, "Send deletes the draft"
    assert token not in response.location
    columns = {c.key for c in inspect(Draft).columns}
    assert columns == {"token", "campaign_id", "language", "answers", "expires_on", "code_hash"}
    # Later posts to the sent draft change nothing: this browser's cookie still names it, so
    # they lead to the thank-you page; without the cookie, a page that says the answers were
    # sent or removed and offers a new start.
    late = answer(client, f"{base}/q/1", 1)
    assert late.status_code == 303 and "/thanks" in late.location
    assert client.get(f"{base}/review").status_code == 303
    client.delete_cookie("finsam_draft", path=f"/e/{campaign.token}")
    late = answer(client, f"{base}/q/1", 1)
    assert late.status_code == 404 and "redan har skickat" in late.data.decode()
    assert draft(token) is None and len(responses()) == 1
    # Reopening the link starts a new questionnaire.
    landing = client.get(f"/e/{campaign.token}")
    assert landing.status_code == 200 and "Börja" in landing.data.decode()


def test_stored_response_has_month_only_and_nothing_about_the_device(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    agent = "Mozilla/5.0 (Linux; Android 8.0; SM-G930F) UniqueAgent/123"
    client.environ_base.update({"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": agent})
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    cookie = base.split("/")[3]
    send(client, base)
    [stored] = responses()
    row = db.session.execute(select(Response.__table__).where(Response.id == stored.id)).mappings().one()
    assert set(row.keys()) == {
        "id", "response_key", "forbund_id", "insats_id", "campaign_id", "year", "month", "respondent_group",
        "instrument_version", "kon", "alder", "utfall", "kommentar", "import_batch_id",
    }
    assert row["import_batch_id"] is None  # only imported rows carry their import, for the undo window
    text = " ".join(str(v) for v in row.values())
    for secret in ("203.0.113.77", "UniqueAgent", cookie, "Android"):
        assert secret not in text
    assert len(row["month"]) == 7 and row["month"][4] == "-"
    assert cookie not in row["response_key"]


def test_concurrent_double_submit_stores_one(app, factory):
    campaign = factory.campaign()
    client = app.test_client()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def submit():
        with app.app_context():
            own = app.test_client()  # the same browser: it holds the draft's cookie
            own.set_cookie("finsam_draft", base.split("/")[3], path=f"/e/{campaign.token}")
            barrier.wait(5)
            results.append(own.post(f"{base}/send").status_code)
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 4 and all(code in (303, 503) for code in results), results
    assert results.count(303) >= 1
    assert len(responses()) == 1
    assert draft(base.split("/")[3]) is None


def test_database_error_while_sending_keeps_the_draft_and_stores_nothing(client, factory, monkeypatch):
    from survey.answer import routes

    campaign = factory.campaign(optional=["kommentar"])
    base = answer_all(client, campaign, PARTICIPANT_VALUES, lang="ar")
    token = base.split("/")[3]
    original = routes.store_response

    def failing(campaign, answers):
        original(campaign, answers)  # the response is already added when the database fails
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(routes, "store_response", failing)
    response = send(client, base)
    html = response.data.decode()
    assert response.status_code == 503
    assert "تعذر إرسال إجاباتك الآن" in html and f'action="{base}/send"' in html
    assert responses() == []
    assert db.session.scalar(select(db.func.count()).select_from(Answer)) == 0
    d = draft(token)
    assert d is not None and d.answers["D1"] == 1
    monkeypatch.setattr(routes, "store_response", original)
    assert send(client, base).status_code == 303
    assert len(responses()) == 1


def test_database_error_on_a_question_page_is_a_clear_503(client, factory, monkeypatch):
    from survey.answer import routes

    campaign = factory.campaign()
    url = begin(client, campaign)

    def broken(*args, **kwargs):
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(routes, "save_answer", broken)
    response = answer(client, url, 1)
    assert response.status_code == 503
    assert "Tjänsten är upptagen just nu" in response.data.decode()
