"""The scheduler inside serve: jobs derived from the content, firing at the content's moments."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from narrowcast.content.load import load_site
from narrowcast.serve.scheduler import planned_moments
from narrowcast.state.files import Notice
from narrowcast.serve.server import shifted_clock

from .conftest import REPO
from .liveserver import live_server
from .serving import free_port
from .test_build import browser
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)

AMS = ZoneInfo("Europe/Amsterdam")


def test_planned_moments_come_from_the_published_site_and_the_clock():
    site, _ = load_site(REPO)
    moments = planned_moments(site, [], datetime(2026, 12, 30, 15, 0, tzinfo=AMS))
    assert moments[0] == (datetime(2026, 12, 31, 0, 0, 5, tzinfo=AMS), "nieuwe dag")
    assert (datetime(2027, 1, 1, 0, 0, tzinfo=AMS), "wet participatiewet-in-balans-fase-3: ingang") in moments
    later = planned_moments(site, [], datetime(2027, 2, 1, 12, 0, tzinfo=AMS))
    assert [reason for _, reason in later] == ["nieuwe dag"], "moments beyond three days wait for a later round"


def test_before_a_good_build_only_midnight_and_the_notices_are_planned():
    now = datetime(2026, 12, 30, 15, 0, tzinfo=AMS)
    notice = Notice("dicht", "Vandaag dicht.", now, now + timedelta(hours=2))
    assert planned_moments(None, [notice], now) == [(now + timedelta(hours=2), "melding dicht voorbij"),
                                                    (datetime(2026, 12, 31, 0, 0, 5, tzinfo=AMS), "nieuwe dag")]


@browser
def test_a_law_takes_effect_with_nobody_at_the_keyboard(prebuilt, tmp_path):  # noqa: F811
    site = fresh_copy(prebuilt, tmp_path)
    clock = shifted_clock(datetime(2026, 12, 31, 23, 59, 30, tzinfo=AMS))  # the start build must finish first
    with live_server(site, clock, free_port()) as (base, server):
        first = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        assert any(i["id"].startswith("participatiewet-in-balans-fase-3-voor") for i in first["items"])
        deadline = time.monotonic() + 120
        while server.state.builds < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server.state.builds >= 2, "the scheduler rebuilt at the law's moment"
        manifest = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        ids = [i["id"] for i in manifest["items"]]
        assert "participatiewet-in-balans-fase-3-na" in ids
        assert not any(i.startswith("participatiewet-in-balans-fase-3-voor") for i in ids)
        assert manifest["version"] != first["version"]
