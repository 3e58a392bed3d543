"""Language choice: Swedish by default, English complete, participant pages in more languages.

The participant's choice comes from the page (?lang=), then their draft, then a cookie, then the
browser; staff pages are offered in Swedish and English only.
"""
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request
from flask_babel import get_locale

STAFF_LANGUAGES = ("sv", "en")
PARTICIPANT_LANGUAGES = ("sv", "en", "ar", "so", "ti", "fa")
RTL_LANGUAGES = frozenset({"ar", "fa"})
LANGUAGE_NAMES = {  # each in its own language, as a language picker shows them
    "sv": "Svenska", "en": "English", "ar": "العربية", "so": "Soomaali", "ti": "ትግርኛ", "fa": "فارسی",
}
LANG_COOKIE = "lang"


def allowed_languages() -> tuple[str, ...]:
    return PARTICIPANT_LANGUAGES if g.get("participant_page") else STAFF_LANGUAGES


def select_locale() -> str:
    if not has_request_context():
        # The command line and scripts (e.g. `flask import` reporting problems): the app's language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    allowed = allowed_languages()
    for candidate in (request.args.get("lang"), g.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in allowed:
            return candidate
    return request.accept_languages.best_match(allowed) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "sv")


def text_direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_language()) in RTL_LANGUAGES else "ltr"


def language_link(lang: str) -> str:
    """This page in another language: the filters in the query string are kept."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return "?" + urlencode(args, doseq=True)


def remember_language(response):
    """Keep an explicit ?lang= choice in a cookie so that it holds on the next pages."""
    lang = request.args.get("lang")
    if lang in PARTICIPANT_LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app):
    app.jinja_env.globals.update(
        current_language=current_language, text_direction=text_direction,
        LANGUAGE_NAMES=LANGUAGE_NAMES, allowed_languages=allowed_languages, language_link=language_link,
    )
    app.after_request(remember_language)
