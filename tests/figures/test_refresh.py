"""FIGURES_REFRESH = "background" (production): after a data change a request gets the tables
published before at once, and one thread builds the new ones (figures/cache.py)."""
import threading
from contextlib import contextmanager

from survey.extensions import db
from survey.figures import cache, tables
from tests.exchange.helpers import many


def _n(table, forbund):
    rows = table[table["forbund"].eq(forbund) & table["insats"].eq("alla") & table["gender"].eq("alla")
                 & table["indicator"].eq(1)]
    return int(rows["n_responses"].sum())


def test_background_refresh_serves_the_previous_tables_then_the_new(app, factory, monkeypatch):
    app.config["FIGURES_REFRESH"] = "background"
    forbund = factory.forbund("alfa")
    many(6, forbund, "deltagare_avslut", {"D1": 1}, kon="kvinna")
    with app.test_request_context():
        tables.clear()
        before = tables.indicators()
        assert _n(before, "alfa") == 6
    many(5, forbund, "deltagare_avslut", {"D1": 2}, kon="kvinna")  # a step of k: the release moves

    gate = threading.Event()
    original = tables.indicator_table

    def slow(*args, **kwargs):  # the refresh thread's build waits until the test lets it go
        gate.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(tables, "indicator_table", slow)
    with app.test_request_context():
        served = tables.indicators()  # at once, while the build waits
        assert served is before
        assert cache._cache().refreshing.is_alive()
        # Derived figures from a table from before are not kept for the new version.
        built = []
        tables.cached("derived", lambda: built.append(1) or len(built))
        tables.cached("derived", lambda: built.append(1) or len(built))
        assert len(built) == 2
    gate.set()
    with app.app_context():
        cache.wait_for_refresh(60)
    with app.test_request_context():
        after = tables.indicators()
        assert after is not before and _n(after, "alfa") == 11
    db.session.remove()


def test_wait_mode_builds_in_the_request(app, factory):
    assert app.config["FIGURES_REFRESH"] == "wait"  # development and tests
    forbund = factory.forbund("beta")
    many(6, forbund, "deltagare_avslut", {"D1": 1}, kon="man")
    with app.test_request_context():
        tables.clear()
        first = tables.indicators()
    many(5, forbund, "deltagare_avslut", {"D1": 1}, kon="man")
    with app.test_request_context():
        assert _n(tables.indicators(), "beta") == 11 and _n(first, "beta") == 6


@contextmanager
def another_thread_building(app, monkeypatch, engine_call: str, table):
    """Another thread builds `table` (tables.<function>), held inside its engine call
    (tables.<engine_call>) until the block ends; the thread is joined after it."""
    gate, started = threading.Event(), threading.Event()
    original = getattr(tables, engine_call)

    def slow(*args, **kwargs):
        started.set()
        gate.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(tables, engine_call, slow)

    def build():
        with app.test_request_context():
            table()
            db.session.remove()

    thread = threading.Thread(target=build)
    thread.start()
    try:
        assert started.wait(30)
        yield
        assert not gate.is_set() and thread.is_alive()
    finally:
        gate.set()
        thread.join(60)


def _nns_with_a_small_förbund(app, factory, client):
    from tests.support.factories import login

    app.config["FIGURES_WAIT"] = 0.2
    forbund = factory.forbund("gamma")
    many(6, forbund, "deltagare_avslut", {"D1": 1}, kon="kvinna")
    login(client, factory.user("nns"))


def test_a_page_that_needs_a_table_another_thread_is_computing_says_so(app, factory, client, monkeypatch):
    """`flask demo` computes its breakdowns in a thread after it starts serving (minutes): a
    page that needs them waits FIGURES_WAIT seconds, then says the figures are being computed
    (503, Retry-After) instead of hanging; tables built already are read, and other tables (the
    genuskompass's comparisons) are built, meanwhile."""
    _nns_with_a_small_förbund(app, factory, client)
    with app.test_request_context():
        tables.clear()
        built = tables.indicators()
    with another_thread_building(app, monkeypatch, "outcome_breakdown_table", tables.outcome_breakdowns):
        with app.test_request_context():
            assert tables.indicators() is built  # kept already: no wait for the other build
        assert client.get("/results/riket/genuskompass?lang=sv").status_code == 200
        response = client.get("/results/riket/outcomes?lang=sv")
        assert response.status_code == 503 and response.headers["Retry-After"] == "60"
        assert "Siffrorna räknas fram just nu" in response.get_data(as_text=True)
    assert client.get("/results/riket/outcomes?lang=sv").status_code == 200
    db.session.remove()


def test_the_outcomes_page_shows_its_other_sections_while_the_transitions_are_computed(app, factory, client,
                                                                                         monkeypatch):
    """The transitions are the breakdown built last: while another thread computes them the
    outcomes page shows its other sections and says the income tables are coming (no 503)."""
    _nns_with_a_small_förbund(app, factory, client)
    with app.test_request_context():
        tables.clear()
        tables.outcome_breakdowns(), tables.months()
    with another_thread_building(app, monkeypatch, "transition_table", tables.income_transitions):
        response = client.get("/results/riket/outcomes?lang=sv")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, html[:500]
        assert "Tabellerna om försörjning före och efter räknas fram just nu" in html
        assert 'id="table-months"' in html and 'id="table-income-before"' not in html
    html = client.get("/results/riket/outcomes?lang=sv").get_data(as_text=True)
    assert 'id="table-income-before"' in html and "räknas fram just nu" not in html
    db.session.remove()
