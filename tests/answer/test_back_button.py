"""Back, reload and shared phones as phones behave: Chromium with the back/forward cache ON
(Playwright turns it off by default; phones keep it on): the conftest's browser. Issue 10, point 2."""
from __future__ import annotations

from tests.answer.helpers import drafts, questions, responses
from tests.support.browser import back


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def answer_first_question(phone, live_server, campaign) -> None:
    """Open the link, start, answer question 1 and go on to question 2."""
    phone.goto(f"{live_server.url}/e/{campaign.token}")
    submit(phone, "Börja")
    phone.get_by_text("Mycket bra", exact=True).click()
    submit(phone, "Fortsätt")


def test_this_browser_keeps_pages_in_the_back_forward_cache(phone, live_server):
    """Otherwise the tests below would prove nothing: a page left and come back to keeps its
    JavaScript state (the staff start page has no no-store)."""
    phone.goto(f"{live_server.url}/")
    phone.evaluate("window.__kept = 42")
    phone.goto(f"{live_server.url}/healthz")
    back(phone)
    assert phone.evaluate("window.__kept") == 42


def test_continue_works_after_back(phone, live_server, factory):
    campaign = factory.campaign()
    answer_first_question(phone, live_server, campaign)
    assert phone.title().startswith("Fråga 2 av")
    back(phone)
    assert phone.title().startswith("Fråga 1 av")
    phone.get_by_text("Mycket bra", exact=True).click()
    submit(phone, "Fortsätt")  # not stuck as "submitting"
    assert phone.title().startswith("Fråga 2 av")


def test_after_send_back_shows_no_answers(phone, live_server, factory):
    campaign = factory.campaign(optional=["kommentar"])
    phone.goto(f"{live_server.url}/e/{campaign.token}")
    submit(phone, "Börja")
    for q in questions(campaign):
        if q.kind == "text":
            phone.locator("textarea").fill("Hemligt omdöme om min handläggare")
        else:
            phone.locator("input[name=answer]").first.check()
        submit(phone, "Fortsätt")
    assert phone.url.endswith("/review")
    submit(phone, "Skicka svaren")
    assert phone.locator("h1").inner_text() == "Tack för dina svar"
    for _ in range(3):  # back past the review page, and on to the last questions
        back(phone)
        content = phone.content()
        assert "Hemligt omdöme" not in content and "Mycket bra" not in content
        assert phone.get_by_role("button", name="Skicka svaren").count() == 0
    assert len(responses()) == 1


def test_the_next_person_on_a_shared_phone_starts_afresh(phone, live_server, factory):
    campaign = factory.campaign()
    answer_first_question(phone, live_server, campaign)
    # Person B scans the same QR code on the same phone.
    phone.goto(f"{live_server.url}/e/{campaign.token}")
    assert phone.locator("h1").inner_text() == "Någon har börjat svara på enkäten"
    assert "Fråga" not in phone.content() and "Mycket bra" not in phone.content()
    assert phone.get_by_role("link", name="Fortsätt där du var").count() == 1
    submit(phone, "Börja om — jag är en annan person")
    assert "Dina påbörjade svar är raderade" in phone.content()
    submit(phone, "Börja")
    assert phone.title().startswith("Fråga 1 av")
    assert phone.locator("input[name=answer]:checked").count() == 0
    back(phone)  # A's pages are gone for B as well
    assert phone.locator("input[name=answer]:checked").count() == 0


def test_reading_about_the_questionnaire_mid_way_and_going_back(phone, live_server, factory):
    """The information pages are in the footer of every participant page. On a question page
    their links are buttons of the answer form (as the language buttons are): a choice made but
    not yet sent on with Continue is saved on the way, so reading them mid-way and pressing Back,
    or their "Back to the questionnaire", loses nothing (bfcache on, as on a phone)."""
    campaign = factory.campaign()
    phone.goto(f"{live_server.url}/e/{campaign.token}")
    submit(phone, "Börja")
    phone.get_by_text("Mycket bra", exact=True).click()
    with phone.expect_navigation():
        phone.locator("footer").get_by_role("button", name="Om enkäten och dina uppgifter").click()
    assert "Om enkäten" in phone.locator("h1").inner_text()
    back(phone)
    assert phone.title().startswith("Fråga 1 av")
    assert phone.locator("#answer-1").is_checked()  # kept by the footer button, not by the cache
    phone.reload()
    assert phone.locator("#answer-1").is_checked()
    # Question 2: a choice, then the accessibility statement and its own link back.
    submit(phone, "Fortsätt")
    assert phone.title().startswith("Fråga 2 av")
    phone.locator("#answer-2").check()
    with phone.expect_navigation():
        phone.locator("footer").get_by_role("button", name="Tillgänglighet").click()
    with phone.expect_navigation():
        phone.get_by_role("link", name="Tillbaka till enkäten").click()
    assert phone.title().startswith("Någon har börjat")  # the shared-phone question, as on any return
    with phone.expect_navigation():
        phone.get_by_role("link", name="Fortsätt där du var").click()
    assert phone.title().startswith("Fråga 3 av")  # on from where it was left: question 2 is answered
    back(phone)
    back(phone)
    back(phone)
    assert phone.title().startswith("Fråga 2 av")
    assert phone.locator("#answer-2").is_checked()
    [draft] = drafts()
    assert len(draft.answers) == 2  # saved once each, never twice
