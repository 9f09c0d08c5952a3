"""``cdp campaign`` as a user runs it: the list of campaigns, and a mail tool's report read into one, with
clear refusals and no traceback."""

from __future__ import annotations

from pathlib import Path

from cdp.config import Paths
from cdp.ingest.pipeline import import_file
from cdp.store.database import create_store
from cdp.store.keys import create_key_file
from consent import imports
from identity.resolve import resolve_all
from marketing import campaigns, segments
from tests.helpers import run_cdp
from tests.integration.test_campaign_responses import EVENTS, OPENS, SUBSCRIBED, UNSUBSCRIBED


def sent_campaign(data_dir: Path) -> int:
    """A store with a newsletter campaign to the Mailchimp export's three subscribers, sent last month."""
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    try:
        import_file(store, SUBSCRIBED, "newsletter")
        resolve_all(store, actor="test")
        imports.import_consent(store, SUBSCRIBED, "newsletter", "email", "test")
        snapshot_id = campaigns.take_snapshot(store, "Alle", segments.EVERYONE, "test", holdout_share=0.0)
        campaigns.freeze(store, snapshot_id, "test")
        campaign_id = campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "test")
        campaigns.export(store, campaign_id, "test")
        with store.write() as tx:
            tx.exec_driver_sql("UPDATE campaign SET sent_at = '2026-11-09T08:00:00+00:00'")
            tx.exec_driver_sql("UPDATE campaign_response SET occurred_at = '2026-11-09T08:00:00'")
    finally:
        store.close()
    return campaign_id


def test_a_report_read_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    campaign_id = sent_campaign(data_dir)
    listed = run_cdp(data_dir, "campaign", "list")
    assert listed.returncode == 0
    assert f"{campaign_id}\tFrühling\tnewsletter/email\tsent 2026-11-09 08:00" in listed.stdout

    opened = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(OPENS))
    assert opened.returncode == 0, opened.stderr
    assert "Recorded responses: opened 2; 0 known already; 1 row skipped." in opened.stdout
    assert "line 5: no recipient of this campaign has this email" in opened.stdout
    events = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(EVENTS))
    assert "bounced 1, clicked 1; 1 known already" in events.stdout
    left = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(UNSUBSCRIBED))
    assert "Consent withdrawn on 1 record(s) of people who unsubscribed." in left.stdout


def test_the_command_refuses_clearly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    campaign_id = sent_campaign(data_dir)
    unsaid = tmp_path / "report.csv"
    unsaid.write_text("Email\njuergen.weiss@example.de\n")
    refused = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(unsaid))
    assert refused.returncode != 0 and "does not say what its rows are" in refused.stderr
    assert "Traceback" not in refused.stderr
    chosen = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(unsaid), "--kind", "replied")
    assert chosen.returncode == 0 and "replied 1" in chosen.stdout
    missing = run_cdp(data_dir, "campaign", "responses", "99", str(unsaid), "--kind", "replied")
    assert missing.returncode != 0 and "There is no campaign 99." in missing.stderr
    gone = run_cdp(data_dir, "campaign", "responses", str(campaign_id), str(tmp_path / "nope.csv"))
    assert gone.returncode != 0 and "no such file" in gone.stderr and "Traceback" not in gone.stderr
