"""The report tests use the results tests' demo data and logins."""
from tests.results.conftest import demo, login_demo  # noqa: F401
