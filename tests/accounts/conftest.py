import pytest
from flask_babel import force_locale

from tests.support.factories import speak_english


@pytest.fixture(autouse=True)
def english(request):
    """The account tests read the English texts (the Swedish ones are checked by test_catalogues):
    on pages, and in messages made outside a request."""
    if "app" not in request.fixturenames:
        yield
        return
    speak_english(request.getfixturevalue("app"))
    with force_locale("en"):
        yield
