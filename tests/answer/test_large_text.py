"""Issue 10, point 6: no horizontal scroll at 200 % text size or at 200 % zoom (a 360 px phone is
then 180 CSS px wide), in every participant language, on every participant page type; touch
targets at least 44 × 44 px. Real Chromium; screenshots land in test-artifacts/."""
from __future__ import annotations

import pytest

from tests.answer.helpers import questions

LANGUAGES = ["sv", "en", "ar", "fa", "so", "ti"]
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 1 && (box.right > width + 1 || box.left < -1);
  }).map(el => el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 40));
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""
SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, input, textarea, label.choice')]
  .filter(el => el.getBoundingClientRect().width > 0 && !el.closest('.skip-link'))
  .map(el => { const b = (el.closest('label') || el).getBoundingClientRect();
               return [el.tagName + ' ' + (el.textContent || el.value || '').trim().slice(0, 30), Math.round(b.width), Math.round(b.height)]; })
  .filter(([_, w, h]) => w < 44 || h < 44)"""


def _pages(page, base_url, campaign, lang):
    """Visit every participant page type; yields its name after each load."""
    page.goto(f"{base_url}/e/{campaign.token}?lang={lang}")
    yield "landing"
    with page.expect_navigation():
        page.locator("form[action$='/start'] button").click()
    for n, q in enumerate(questions(campaign), 1):
        if n in (1, 9, 10, 11) or q.kind == "text":
            yield f"question-{n}-{q.kind}"
        if q.kind == "text":
            page.locator("textarea").fill("Ett långt ord: arbetsmarknadsutbildningsplatserna")
        else:
            page.locator("input[name=answer]").first.check()
        with page.expect_navigation():
            page.locator("button[value=next]:not([hidden])").click()
    yield "review"
    page.goto(f"{base_url}/e/{campaign.token}?lang={lang}")
    yield "resume"
    page.goto(f"{base_url}/e/no-such-link?lang={lang}")
    yield "unknown"


@pytest.mark.parametrize("how", ["text-200", "zoom-200"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_horizontal_scroll_and_large_targets(browser, live_server, factory, artifacts_dir, lang, how):
    campaign = factory.campaign(optional=["omsorg", "kommentar"])
    width = 180 if how == "zoom-200" else 360  # 200 % zoom halves the CSS width of a 360 px phone
    context = browser.new_context(viewport={"width": width, "height": 740}, locale="sv-SE", bypass_csp=True)
    problems = []
    try:
        page = context.new_page()
        for name in _pages(page, live_server.url, campaign, lang):
            if how == "text-200":
                page.evaluate("document.documentElement.style.fontSize = '200%'")
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["width"]:
                problems.append((name, found))
            if found["scroll"] > found["width"] or lang in ("sv", "ar"):
                page.screenshot(path=str(artifacts_dir / f"large-{lang}-{how}-{name}.png"), full_page=True)
            if how == "text-200":
                small = page.evaluate(SMALL_TARGETS)
                if small:
                    problems.append((name, "targets under 44 px", small[:5]))
    finally:
        context.close()
    assert problems == []
