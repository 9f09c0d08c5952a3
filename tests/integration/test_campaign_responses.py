"""A mail tool's campaign report read into a campaign, as Mailchimp, CleverReach and Brevo export it: who
opened, clicked, unsubscribed or bounced, only for the campaign's recipients, once per person and kind, and an
unsubscribe withdraws consent for the campaign's purpose and channel."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import update

from cdp.errors import ImportRejected, InvalidValue
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from cdp.store.schema import campaign as campaign_table
from cdp.store.schema import snapshot_member
from consent import access, erasure, imports, ledger
from identity.resolve import resolve_all
from kundenbild import bootstrap
from marketing import campaigns, responses, segments

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
SUBSCRIBED = EXPORTS / "mailchimp" / "subscribed_members_export_4f2b9c1e7a.csv"
OPENS = EXPORTS / "mailchimp" / "granular_activity" / "opens" / "5e2f1a9c3b.csv"
CLICKS = EXPORTS / "mailchimp" / "granular_activity" / "clicks" / "5e2f1a9c3b.csv"
EVENTS = EXPORTS / "cleverreach" / "report_events.csv"
UNSUBSCRIBED = EXPORTS / "brevo" / "campaign_unsubscribed.csv"
SENT_AT = "2026-11-09T08:00:00+00:00"  # before every time in the reports


def person(store: Store, email: str) -> int:
    return profiles.search(store, email, "DE")[0].id


@pytest.fixture
def sent(store: Store) -> int:
    """A newsletter campaign by email to the three subscribers of the Mailchimp export, sent on 9 November."""
    return send(store)


def send(store: Store, withdrawn: str | None = None) -> int:
    import_file(store, SUBSCRIBED, "newsletter")
    resolve_all(store, actor="test")
    imports.import_consent(store, SUBSCRIBED, "newsletter", "email", "test")
    if withdrawn:
        ledger.record(store, person(store, withdrawn), "newsletter", "email", "withdrawn", actor="t", origin="staff",
                      proof={"reason": "asked by phone"})  # fmt: skip
    snapshot_id = campaigns.take_snapshot(store, "Alle", segments.EVERYONE, "test", holdout_share=0.0)
    campaigns.freeze(store, snapshot_id, "test")
    campaign_id = campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "test")
    rows, _ = campaigns.export(store, campaign_id, "test")
    assert len(rows) == (2 if withdrawn else 3)
    with store.write() as tx:  # sent on 9 November, as the reports' times say
        tx.execute(update(campaign_table).where(campaign_table.c.id == campaign_id).values(sent_at=SENT_AT))
        tx.exec_driver_sql("UPDATE campaign_response SET occurred_at = '2026-11-09T08:00:00'")
    return campaign_id


def read(store: Store, campaign_id: int, path: Path, kind: str | None = None) -> responses.ResponsesImport:
    return responses.import_responses(store, campaign_id, path, path.read_bytes(), kind, "test")


def test_mailchimp_opens_count_each_recipient_once_and_skip_who_was_not_written_to(store: Store, sent: int) -> None:
    done = read(store, sent, OPENS)

    assert done.recorded == {"opened": 2}
    assert [line for line, _ in done.skipped] == [5]
    assert "no recipient of this campaign" in str(done.skipped[0][1])
    again = read(store, sent, OPENS)
    assert again.recorded == {} and again.unchanged == 2
    assert campaigns.report(store, sent).responses == {"opened": 2}


def test_each_tool_report_adds_its_kind_and_the_report_shows_who_was_reached(store: Store, sent: int) -> None:
    read(store, sent, OPENS)
    assert read(store, sent, CLICKS).recorded == {"clicked": 1}
    events = read(store, sent, EVENTS)
    assert events.recorded == {"bounced": 1, "clicked": 1}
    assert events.unchanged == 1  # Jürgen's open, known from Mailchimp's file
    assert [(line, str(reason)) for line, reason in events.skipped] == [(5, "an event Kundenbild does not count")]

    report = campaigns.report(store, sent)
    assert report.responses == {"opened": 2, "clicked": 2, "bounced": 1}
    assert report.recipients == 3 and report.reached == 2


def test_an_unsubscribe_in_the_report_withdraws_consent_for_the_campaigns_purpose_and_channel(
    store: Store, sent: int
) -> None:  # fmt: skip
    bjoern = person(store, "bjoern.koehler@example.de")
    assert ledger.audience(store, [bjoern], "newsletter", "email").included == [bjoern]

    done = read(store, sent, UNSUBSCRIBED)  # the name says it: …_unsubscribed.csv

    assert done.recorded == {"unsubscribed": 1} and done.withdrawals == 1
    assert ledger.audience(store, [bjoern], "newsletter", "email").included == []
    assert read(store, sent, UNSUBSCRIBED).withdrawals == 0
    assert campaigns.report(store, sent).recipients == 3, "whom it was sent to stays as it was when it was sent"


def test_who_it_was_not_sent_to_does_not_count(store: Store) -> None:
    campaign_id = send(store, withdrawn="aenne.strassburger@example.de")
    done = read(store, campaign_id, OPENS)
    assert done.recorded == {"opened": 1}
    assert "it was not sent to them" in str(done.skipped[0][1])


def test_a_holdout_member_in_a_report_is_named_and_not_counted(store: Store, sent: int) -> None:
    found = campaigns.load(store, sent)
    juergen = person(store, "juergen.weiss@example.de")
    with store.write() as tx:
        tx.execute(update(snapshot_member).where(snapshot_member.c.snapshot_id == found.snapshot_id)
                   .values(holdout=False))  # fmt: skip
    view = campaigns.snapshot_view(store, found.snapshot_id)
    anchor = next(member.anchor for member in view.members if member.profile_id == juergen)
    with store.write() as tx:
        tx.execute(update(snapshot_member).where(snapshot_member.c.anchor == anchor).values(holdout=True))

    done = read(store, sent, OPENS)

    assert done.recorded == {"opened": 1}
    assert [str(reason) for _, reason in done.skipped[:2]] == ["in the holdout: it was not written to"] * 2


def test_a_report_that_does_not_fit_is_refused_whole(store: Store, sent: int, tmp_path: Path) -> None:
    no_email = tmp_path / "opens.csv"
    no_email.write_text("Name,Timestamp\nJürgen,2026-11-10 09:14:02\n")
    with pytest.raises(ImportRejected, match="found no email column"):
        read(store, sent, no_email)
    unsaid = tmp_path / "report.csv"
    unsaid.write_text("Email\njuergen.weiss@example.de\n")
    with pytest.raises(ImportRejected, match="does not say what its rows are"):
        read(store, sent, unsaid)
    assert read(store, sent, unsaid, "replied").recorded == {"replied": 1}
    with pytest.raises(InvalidValue):
        read(store, sent, unsaid, "forwarded")
    before = tmp_path / "opened.csv"
    before.write_text("Email,Timestamp\njuergen.weiss@example.de,2026-10-01 09:00:00\n")
    assert "before the campaign was sent" in str(read(store, sent, before).skipped[0][1])
    assert campaigns.report(store, sent).responses == {"replied": 1}


def test_a_campaign_not_sent_takes_no_report(store: Store, sent: int) -> None:
    found = campaigns.load(store, sent)
    unsent = campaigns.create_campaign(store, "Sommer", found.snapshot_id, "newsletter", "email", "test")
    with pytest.raises(ImportRejected, match="not sent yet"):
        read(store, unsent, OPENS)


def test_erasure_takes_the_persons_responses_with_it(store: Store, sent: int) -> None:
    read(store, sent, OPENS)
    erasure.erase_profile(store, person(store, "juergen.weiss@example.de"), "dpo", keep_purchases_since=None)
    assert campaigns.report(store, sent).responses == {"opened": 1}


@pytest.mark.parametrize(
    "name, kind",
    [("granular_activity/opens/5e2f.csv", "opened"), ("clickers.csv", "clicked"), ("Abmeldungen.csv", "unsubscribed"),
     ("hard_bounces.csv", "bounced"), ("export.csv", None), ("C:\\Reports\\öffnungen\\a.csv", "opened")],
)  # fmt: skip
def test_the_files_name_says_its_kind(name: str, kind: str | None) -> None:
    assert responses.kind_in_name(Path(name)) == kind


def test_the_access_report_lists_the_persons_lists_campaigns_and_responses(store: Store, sent: int) -> None:
    read(store, sent, OPENS)
    juergen = person(store, "juergen.weiss@example.de")
    held = access.collect(store, juergen, "de", bootstrap.held_by_areas)["campaigns"]
    assert [(one["list"], one["group"]) for one in held] == [("Alle", "to write to")]
    [campaign] = held[0]["campaigns"]
    assert (campaign["campaign"], campaign["purpose"], campaign["channel"]) == ("Frühling", "newsletter", "email")
    assert [event["kind"] for event in campaign["recorded"]] == ["sent", "opened"]
    with zipfile.ZipFile(io.BytesIO(access.archive(store, [juergen], "de", bootstrap.held_by_areas))) as zipped:
        rows = zipped.read("campaigns.csv").decode()
        report = zipped.read("report.html").decode()
    assert "Frühling" in rows and "opened" in rows and "Listen und Kampagnen" in report
