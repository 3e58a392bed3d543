"""DISCLOSURE.md rule 4: published figures move only in steps of at least k responses or records,
so that one send (or a few padded rows) cannot be isolated by comparing two exports or pages."""
import csv
import io

import pandas as pd
import pytest

from indicators.release import step
from survey.extensions import db
from survey.figures import releases
from tests.exchange.helpers import avslut, many, response
from tests.support.factories import login

K = 5


def _run(runner, *args) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _rows(text: str) -> dict[tuple, dict]:
    """An export's rows by their key columns."""
    rows = list(csv.DictReader(io.StringIO(text)))
    numbers = {"n_responses", "valid", "positive", "value", "suppressed", "hidden_reason", "n", "numerator"}
    return {tuple(v for c, v in r.items() if c not in numbers): r for r in rows}


@pytest.fixture
def three(factory):
    """Three förbund with women and men in two insatser, enough for riket to be shown."""
    out = []
    for code in ("alfa", "beta", "gamma"):
        forbund = factory.forbund(code)
        insats = factory.insats(forbund)
        many(8, forbund, "deltagare_avslut", {"D1": 1, "D7": 2}, kon="kvinna", insats=insats)
        many(7, forbund, "deltagare_avslut", {"D1": 3, "D7": 1}, kon="man", insats=insats)
        avslut(forbund, kon="kvinna", utfall="arbete", n=6)
        avslut(forbund, kon="man", utfall="studier", n=6)
        out.append((forbund, insats))
    return out


def test_step_holds_a_unit_until_it_moved_by_k():
    published = pd.DataFrame({"unit": ["a", "b", "c", None], "n": [10, 3, 7, 5]})
    live = pd.DataFrame({"unit": ["a", "b", "c", None, "d"], "n": [14, 8, 2, 6, 4]})
    released, moved = step(published, live, ["unit"], "n", K)
    got = dict(zip(released["unit"], released["n"]))
    # a +4 held; b +5 moves; c −5 moves; None +1 held; d new with 4 held back (not shown at all).
    assert got == {"a": 10, "b": 8, "c": 2, None: 5} and moved == 2
    first, moved = step(None, live, ["unit"], "n", K)
    assert first.equals(live) and moved == len(live)


def test_step_moves_a_unit_as_a_whole():
    """Outcome counts move per förbund, year and kön: the rates of a group share their records."""
    published = pd.DataFrame({"g": ["kvinna", "kvinna"], "utfall": ["arbete", "studier"], "n": [6, 4]})
    live = pd.DataFrame({"g": ["kvinna", "kvinna", "kvinna"], "utfall": ["arbete", "studier", "sjuk"],
                         "n": [8, 6, 1]})
    released, _ = step(published, live, ["g"], "n", K)
    assert released["n"].tolist() == [8, 6, 1]  # 5 new records: all three categories move together
    live.loc[2, "n"] = 0
    released, moved = step(published, live[live["n"] > 0], ["g"], "n", K)
    assert moved == 0 and released["n"].tolist() == [6, 4]


def test_one_send_changes_no_export_and_k_sends_do(three, runner):
    before_ind = _run(runner, "export", "indicators", "--by", "gender")
    before_out = _run(runner, "export", "outcomes")
    forbund, insats = three[0]
    response(forbund, answers={"D1": 4, "D7": 2}, kon="kvinna", insats=insats)
    avslut(forbund, kon="kvinna", utfall="sjukskrivning")
    assert _run(runner, "export", "indicators", "--by", "gender") == before_ind
    assert _run(runner, "export", "outcomes") == before_out

    many(K - 1, forbund, "deltagare_avslut", {"D1": 4, "D7": 2}, kon="kvinna", insats=insats)
    after = _rows(_run(runner, "export", "indicators", "--by", "gender"))
    old = _rows(before_ind)
    changed = [key for key in after if after[key] != old.get(key)]
    assert changed, "k new responses in one cell move its figures"
    for key in changed:
        if old.get(key) and after[key]["n_responses"] and old[key]["n_responses"]:
            assert abs(int(after[key]["n_responses"]) - int(old[key]["n_responses"])) >= K, key


def test_k_minus_one_imported_rows_reveal_nothing(three, runner, tmp_path):
    """A förbund administrator pads its own förbund with known rows: no figure of another förbund,
    nor riket, moves."""
    before = (_run(runner, "export", "indicators", "--by", "gender"), _run(runner, "export", "outcomes"))
    lines = ["response_id,forbund,insats,year,respondent_group,instrument_version,kon,D1,D7"]
    lines += [f"pad{i},beta,steget,2024,deltagare_avslut,2021-A,kvinna,4,2" for i in range(K - 1)]
    path = tmp_path / "pad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _run(runner, "import", "responses", str(path))
    after = (_run(runner, "export", "indicators", "--by", "gender"), _run(runner, "export", "outcomes"))
    assert after == before


def test_pages_and_campaign_counts_hold_too(three, factory, client, app):
    forbund, insats = three[0]
    campaign = factory.campaign(forbund, insats)
    for _ in range(6):
        response(forbund, answers={"D1": 1}, kon="man", insats=insats).campaign_id = campaign.id
    db.session.commit()
    user = factory.user("forbund_user", forbund)
    login(client, user)
    page = client.get(f"/results/forbund/{forbund.code}/?year=2024").get_data(as_text=True)
    assert releases.campaign_response_counts(forbund.id) == {campaign.id: 6}
    response(forbund, answers={"D1": 4}, kon="man", insats=insats).campaign_id = campaign.id
    db.session.commit()
    assert releases.campaign_response_counts(forbund.id) == {campaign.id: 6}
    again = client.get(f"/results/forbund/{forbund.code}/?year=2024").get_data(as_text=True)
    assert _figures(again) == _figures(page)
    assert "steg om minst 5 svar" in again


def _figures(html: str) -> list[str]:
    """The numbers of a page's table cells (what a reader could difference)."""
    import re
    return re.findall(r"<td[^>]*>([^<]*)", html)
