"""The short load run: 20 participants for 15 s against gunicorn with 4 workers, on each database.
Every completed questionnaire is stored exactly once, nothing else is stored, no request fails."""
from benchmarks.load import run_load


def test_short_load_loses_and_doubles_nothing(empty_database_url):
    result = run_load(empty_database_url, empty_database_url.split(":")[0], participants=20, duration=15,
                      workers=4, think=0.2, grace=45)
    print(result.report())
    assert result.errors == 0, result.error_samples[:5]
    assert result.completed >= 20, "every participant finished at least one questionnaire"
    assert result.requests >= result.completed * 20
    assert result.lost == 0 and result.duplicated == 0
    assert result.stored == result.completed
