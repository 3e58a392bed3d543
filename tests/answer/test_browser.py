"""The questionnaire in real headless Chromium at 360 × 740: Swedish, Arabic (RTL), keyboard only,
without JavaScript, axe-core on every participant page type, resume, double submit.
Screenshots of every page type land in test-artifacts/ (not committed)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from survey.answer.routes import today
from tests.answer.helpers import answers_of, questions, responses
from tests.support.browser import PHONE, axe_violations, back

OPTIONAL = ["omsorg", "kommentar"]


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def check_page(page, artifacts_dir, lang: str, kind: str) -> None:
    """No WCAG 2.1 A/AA violation, lang/dir on <html>, and a screenshot."""
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == ("rtl" if lang in ("ar", "fa") else "ltr")
    page.screenshot(path=str(artifacts_dir / f"answer-{lang}-{kind}.png"), full_page=True)
    assert axe_violations(page) == [], f"{lang} {kind}"


def t(lang: str, sv: str, ar: str) -> str:
    return sv if lang == "sv" else ar


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_whole_questionnaire_every_page_type(phone, live_server, factory, artifacts_dir, lang):
    campaign = factory.campaign(optional=OPTIONAL)
    qs = questions(campaign)
    page = phone
    page.goto(f"{live_server.url}/e/{campaign.token}")
    if lang == "ar":
        with page.expect_navigation():
            page.get_by_role("link", name="العربية").click()
    assert page.title().startswith(t(lang, "Vad tyckte du om stödet?", "ما رأيك في الدعم؟"))  # not the staff title
    check_page(page, artifacts_dir, lang, "landing")
    submit(page, t(lang, "Börja", "ابدأ"))

    for n, q in enumerate(qs, 1):
        assert page.title().startswith(t(lang, f"Fråga {n} av {len(qs)}", f"السؤال {n} من {len(qs)}"))
        heading = page.locator("h1")
        assert heading.inner_text().strip() == q.text[lang]
        if n == 1:
            check_page(page, artifacts_dir, lang, "question-scale")
            # A tampered value gives the error summary, focused by the script.
            page.locator("#answer-1").evaluate("el => { el.value = '7'; el.checked = true; }")
            submit(page, t(lang, "Fortsätt", "متابعة"))
            summary = page.locator(".error-summary")
            assert summary.get_attribute("role") == "alert"
            assert page.evaluate("document.activeElement.id") == "error-summary"
            check_page(page, artifacts_dir, lang, "question-error")
            if lang == "ar":
                # The layout is mirrored: each radio sits to the right of its label text.
                radio = page.locator("#answer-1").bounding_box()
                text = page.locator("label[for=answer-1] span").bounding_box()
                assert radio["x"] > text["x"] + text["width"] - 1
                main = page.locator("main").bounding_box()
                assert radio["x"] + radio["width"] > main["x"] + main["width"] / 2
            # the summary link leads to the first radio
            page.locator(".error-summary a").click()
            assert page.evaluate("document.activeElement.id") == "answer-1"
            # the whole row is the touch target: clicking the label text checks the radio
            page.locator("label[for=answer-2] span").click()
            assert page.locator("#answer-2").is_checked()
            box = page.locator("label[for=answer-2]").bounding_box()
            assert box["height"] >= 44 and box["width"] >= 300
        elif q.kind == "choice" and q.id == "kon":
            check_page(page, artifacts_dir, lang, "question-choice")
            page.get_by_label(q.choices[1][lang], exact=True).check()
        elif q.kind == "text":
            check_page(page, artifacts_dir, lang, "question-text")
            page.locator("textarea").fill(t(lang, "Tack för allt.", "شكرًا على كل شيء."))
        elif q.id == "D3":
            submit(page, t(lang, "Hoppa över frågan", "تخطي السؤال"))
            continue
        else:
            page.locator("input[name=answer]").first.check()
        submit(page, t(lang, "Fortsätt", "متابعة"))

    assert page.url.endswith("/review")
    check_page(page, artifacts_dir, lang, "review")
    assert page.get_by_text(t(lang, "Inte besvarad", "لم تتم الإجابة")).count() == 1
    submit(page, t(lang, "Skicka svaren", "إرسال الإجابات"))
    assert page.locator("h1").inner_text() == t(lang, "Tack för dina svar", "شكرًا على إجاباتك")
    check_page(page, artifacts_dir, lang, "thanks")
    # The information participants are owed, from the footer of every page.
    for link, kind in ((t(lang, "Om enkäten och dina uppgifter", "عن الاستبيان وبياناتك"), "about"),
                       (t(lang, "Tillgänglighet", "إمكانية الوصول"), "accessibility")):
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=link).click()
        check_page(page, artifacts_dir, lang, kind)
        back(page)

    [stored] = responses()
    stored_answers = answers_of(stored)
    assert stored_answers["D1"] == 2 and "D3" not in stored_answers and stored_answers["D2"] == 1
    assert stored.kon == "man" and stored.kommentar == t(lang, "Tack för allt.", "شكرًا على كل شيء.")


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_status_pages_are_accessible(phone, live_server, factory, artifacts_dir, lang):
    d = today()
    closed = factory.campaign(opens=d - timedelta(days=30), closes=d - timedelta(days=1))
    not_open = factory.campaign(forbund=closed.forbund, insats=closed.insats, opens=d + timedelta(days=2), closes=d + timedelta(days=9))
    for kind, url, status in (("closed", f"/e/{closed.token}", 410), ("not-open", f"/e/{not_open.token}", 403),
                              ("unknown", "/e/no-such-link", 404)):
        response = phone.goto(f"{live_server.url}{url}?lang={lang}")
        assert response.status == status
        check_page(phone, artifacts_dir, lang, kind)


def test_keyboard_only(phone, live_server, factory):
    campaign = factory.campaign(group="deltagare_pagaende", optional=["kommentar"])
    qs = questions(campaign)
    page = phone
    page.goto(f"{live_server.url}/e/{campaign.token}")

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    # The first Tab stop is the skip link, and focus is visible.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    tab_to("el.tagName === 'BUTTON'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for n, q in enumerate(qs, 1):
        assert page.title().startswith(f"Fråga {n} av {len(qs)}")
        if q.kind == "text":
            tab_to("el.tagName === 'TEXTAREA'")
            page.keyboard.type("Skrivet med tangentbordet.")
            tab_to("el.value === 'next'")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            continue
        tab_to("el.name === 'answer'")
        outline = page.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
        assert outline == "solid", "the focused answer row shows focus"
        if q.kind == "scale":
            page.keyboard.press("ArrowDown")  # moves to and chooses step 2
        else:
            page.keyboard.press("Space")  # chooses the first choice
        with page.expect_navigation():
            page.keyboard.press("Enter")  # Enter in a form presses Continue
    assert page.url.endswith("/review")
    tab_to("el.tagName === 'BUTTON'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Tack för dina svar"
    [stored] = responses()
    assert answers_of(stored) == {q.id: 2 for q in qs if q.kind == "scale"}
    assert stored.kon == "kvinna" and stored.alder == "16-19" and stored.kommentar == "Skrivet med tangentbordet."


def test_without_javascript(browser, live_server, factory, artifacts_dir):
    campaign = factory.campaign(group="insatspersonal", optional=["vald_rutin"])
    qs = questions(campaign)
    context = browser.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/e/{campaign.token}")
        assert page.evaluate("1 + 1") == 2  # (evaluate works; page scripts do not)
        submit(page, "Börja")
        # Back and change work as plain forms.
        page.get_by_text("Till stor del", exact=True).click()
        submit(page, "Fortsätt")
        submit(page, "Tillbaka")
        assert page.locator("#answer-2").is_checked()
        # an invalid value without the script: the summary is still there, first in the page
        page.locator("#answer-1").evaluate("el => { el.value = 'x'; el.checked = true; }")
        submit(page, "Fortsätt")
        assert page.locator(".error-summary[role=alert]").count() == 1
        page.screenshot(path=str(artifacts_dir / "answer-sv-no-js-error.png"), full_page=True)
        for n in range(1, len(qs) + 1):
            page.locator("input[name=answer]").nth(1).check()
            submit(page, "Fortsätt")
        page.get_by_role("link", name="Ändra").first.click()
        page.locator("input[name=answer]").nth(0).check()
        submit(page, "Fortsätt")
        assert page.url.endswith("/review")
        submit(page, "Skicka svaren")
        assert page.locator("h1").inner_text() == "Tack för dina svar"
    finally:
        context.close()
    [stored] = responses()
    assert stored.respondent_group == "insatspersonal"
    expected = {q.id: 2 for q in qs}
    expected[qs[0].id] = 1
    assert answers_of(stored) == expected


def test_resume_after_reload_and_closed_tab(browser, live_server, factory):
    campaign = factory.campaign()
    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/e/{campaign.token}")
        submit(page, "Börja")
        page.get_by_text("Mycket bra", exact=True).click()
        submit(page, "Fortsätt")
        page.get_by_text("Till stor del", exact=True).click()
        page.reload()  # a reload loses nothing that was sent
        assert page.title().startswith("Fråga 2 av")
        submit(page, "Fortsätt")
        page.close()  # the tab is closed …
        page = context.new_page()  # … and the link opened again
        page.goto(f"{live_server.url}/e/{campaign.token}")
        with page.expect_navigation():
            page.get_by_role("link", name="Fortsätt där du var").click()
        assert page.title().startswith("Fråga 3 av")
        submit(page, "Tillbaka")
        submit(page, "Tillbaka")
        assert page.locator("#answer-1").is_checked()
    finally:
        context.close()


def test_double_click_on_send_stores_one(phone, live_server, factory):
    campaign = factory.campaign(group="remittenter")
    page = phone
    page.goto(f"{live_server.url}/e/{campaign.token}")
    submit(page, "Börja")
    for _ in questions(campaign):
        page.locator("input[name=answer]").first.check()
        submit(page, "Fortsätt")
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka svaren").dblclick()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tack för dina svar"
    back(page)  # and back to the review page, sending again
    if page.get_by_role("button", name="Skicka svaren").count():
        submit(page, "Skicka svaren")
    assert page.locator("h1").inner_text() == "Tack för dina svar"
    assert len(responses()) == 1
