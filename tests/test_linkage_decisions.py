"""Analysts decide who is who: every link explains itself, and decisions outlive re-runs.

The sample world names Jason Smith (same name, same date of birth) in three reports from two
retailers: the model links them. An analyst can see why (Splink's waterfall), reject one
report's link, confirm another, merge offenders back; each decision is recorded with who and
why, waits for the next run, and every later run obeys it. Retailers may not decide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select

from crimelink.pipeline import run_analysis
from crimelink.resolve.decisions import AnalystDecision, apply_decisions
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, LinkDecision, PersonLink, PersonMention
from web_server import Site, password, site


@pytest.fixture
def web(store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(store, tmp_path) as served:
        yield served


def smith_links(store: StoreHandle) -> dict[str, tuple[int, int, str]]:
    """incident ref → (mention id, offender id, link status) of Jason Smith's reports."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(Incident.incident_ref, PersonMention.id, PersonLink.offender_id, PersonLink.status)
            .join(PersonMention, PersonMention.incident_id == Incident.id)
            .join(PersonLink, PersonLink.mention_id == PersonMention.id)
            .where(PersonMention.name == "Jason Smith")
        ).all()
    return {ref: (mention, offender, status) for ref, mention, offender, status in rows}


def test_links_explain_themselves_and_decisions_survive_every_rerun(web: Site) -> None:
    links = smith_links(web.store)
    assert {o for _, o, _ in links.values()} == {links["NM-1"][1]}  # one offender
    offender = links["NM-1"][1]
    analyst = httpx.Client(base_url=web.url, auth=web.auth("analyst"))

    shown = analyst.get(f"/api/v1/offenders/{offender}/links").json()
    assert [row["status"] for row in shown["links"]] == ["suggested"] * 3
    assert all(row["match_probability"] >= 0.95 for row in shown["links"])
    assert shown["may_decide"] is True

    why = analyst.get(f"/api/v1/person-links/{links['SC-1'][0]}/why").json()
    steps = why["steps"]
    assert steps[0]["comparison"] == "prior"
    assert math.isclose(sum(s["match_weight"] for s in steps), why["match_weight"], abs_tol=0.05)
    assert any("date of birth" in s["level"] and s["match_weight"] > 0 for s in steps)

    retailer = httpx.Client(base_url=web.url, auth=web.auth("northmart"))
    refused = retailer.post(f"/api/v1/offenders/{offender}/decisions",
                            json={"action": "reject", "mentions": [links["NM-1"][0]], "reason": "not him"})
    assert refused.status_code == 403
    unexplained = analyst.post(f"/api/v1/offenders/{offender}/decisions",
                               json={"action": "reject", "mentions": [links["SC-1"][0]], "reason": ""})
    assert unexplained.status_code == 422

    rejected = analyst.post(f"/api/v1/offenders/{offender}/decisions", json={
        "action": "reject", "mentions": [links["SC-1"][0]], "reason": "CCTV shows a different man"})
    assert rejected.status_code == 201, rejected.text
    confirmed = analyst.post(f"/api/v1/offenders/{offender}/decisions", json={
        "action": "confirm", "mentions": [links["NM-2"][0]], "reason": "same tattoo in both stills"})
    assert confirmed.status_code == 201, confirmed.text
    pending = analyst.get(f"/api/v1/offenders/{offender}/links").json()["pending"]
    assert [p["action"] for p in pending] == ["reject", "confirm"]

    for _ in range(2):  # the decisions hold at the next run and at every run after it
        run_analysis(store=web.store)
        after = smith_links(web.store)
        assert after["NM-1"][1] == after["NM-2"][1] != after["SC-1"][1]
        assert after["NM-2"][2] == "confirmed"
    with web.store.engine.connect() as conn:
        reason = conn.scalar(select(PersonLink.reason).where(PersonLink.mention_id == after["NM-2"][0]))
    assert reason is not None and "same tattoo" in reason and "Test national analyst" in reason

    merged = analyst.post(f"/api/v1/offenders/{after['NM-1'][1]}/decisions", json={
        "action": "merge", "other_offender_id": after["SC-1"][1], "reason": "custody photo matches after all"})
    assert merged.status_code == 201, merged.text
    run_analysis(store=web.store)
    again = smith_links(web.store)
    assert again["NM-1"][1] == again["SC-1"][1]
    with web.store.engine.connect() as conn:
        retired = conn.execute(select(LinkDecision.action, LinkDecision.superseded_by)
                               .where(LinkDecision.active.is_(False))).all()
    assert retired == [("reject", merged.json()["id"])]  # the merge retired the rejection, on record


def _labels(clusters: dict[int, int]) -> pd.Series:
    return pd.Series(list(clusters.values()), index=list(clusters.keys()))


def _links(*pairs: tuple[int, int, float]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["mention_id_l", "mention_id_r", "match_probability"])


def test_a_rejection_takes_out_whatever_hung_on_the_rejected_report() -> None:
    # 1-2 strong, 2-3 strong, 3-4 weak-but-linked: rejecting 3 leaves 4 with nothing to hold it.
    labels = _labels({1: 1, 2: 1, 3: 1, 4: 1, 5: 2})
    links = _links((1, 2, 0.999), (2, 3, 0.99), (3, 4, 0.96))
    reject = AnalystDecision(1, "reject", (3,), (1, 2, 4), "rejected by A on 2026-11-28: no")
    out = apply_decisions(labels, links, [reject]).labels
    assert out[1] == out[2]
    assert len({out[1], out[3], out[4], out[5]}) == 4


def test_a_merge_joins_two_offenders_and_a_split_keeps_its_reports_together() -> None:
    labels = _labels({1: 1, 2: 1, 3: 2, 4: 2, 5: 3})
    links = _links((1, 2, 0.99), (3, 4, 0.99))
    merge = AnalystDecision(1, "merge", (1, 2), (3, 4), "merged")
    split = AnalystDecision(2, "split", (2, 5), (1,), "split")  # 2 and 5 are one person, not 1
    decided = apply_decisions(labels, links, [merge, split])
    out = decided.labels
    assert out[2] == out[5] != out[1]
    assert out[3] == out[4] == out[1]  # the merge still holds where the split did not speak
    assert decided.confirmed[5] == "split"


def test_the_profile_form_says_why_a_decision_was_refused_and_records_nothing(web: Site) -> None:
    links = smith_links(web.store)
    offender, mention = links["NM-1"][1], links["SC-1"][0]
    with httpx.Client(base_url=web.url, timeout=30) as client:
        assert client.post("/login", data={"username": "analyst", "password": password("analyst")}).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/offenders/{offender}").text)
        assert token is not None
        form = {"csrf_token": token.group(1), "action": "reject", "mentions": str(mention)}
        refused = client.post(f"/offenders/{offender}/decisions", data={**form, "reason": "   "})
        assert refused.status_code == 303
        shown = client.get(refused.headers["location"])
        assert "say why: the reason is kept with the decision" in shown.text
        with web.store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(LinkDecision)) == 0
        taken = client.post(f"/offenders/{offender}/decisions", data={**form, "reason": "CCTV shows another man"})
        assert "error=" not in taken.headers["location"]
        assert "CCTV shows another man" in client.get(taken.headers["location"]).text  # pending, on the profile
