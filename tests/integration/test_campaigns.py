"""Snapshots and campaigns against a real store: the holdout, taking people out before freezing, the consent
gate for exactly the campaign's purpose and channel, the export with each recipient's message, attribution
models on a hand-checked example, and the uplift report."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from cdp.ingest.pipeline import import_data
from cdp.records import records
from cdp.store.database import Store
from cdp.store.schema import campaign as campaign_table
from cdp.store.schema import profile, snapshot_member
from consent import erasure, ledger
from identity.resolve import resolve_new
from marketing import campaigns, segments
from marketing.campaigns import NotFrozen
from tests.helpers import count_rows

HEADER = "ID;Anrede;Titel;Vorname;Nachname;E-Mail;Sprache\n"
PEOPLE = [
    ("P1", "Frau", "Dr.", "Sabine", "Schmidt", "de"),
    ("P2", "Herr", "", "Max", "Meyer", "de"),
    ("P3", "", "", "Alex", "Klein", "en"),
    ("P4", "Frau", "", "Jane", "Doe", "en"),
    ("P5", "", "", "", "", "de"),  # a company's address, no name
    ("P6", "Herr", "", "Otto", "Lang", "de"),
]
EVERYONE = segments.EVERYONE


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    rows = "".join(f"{key};{salutation};{title};{first};{last};{key.lower()}@example.org;{language}\n"
                   for key, salutation, title, first, last, language in PEOPLE)  # fmt: skip
    import_data(store, "kunden.csv", (HEADER + rows).encode(), "shop", after_import=resolve_new)
    with store.read() as tx:
        found = {record.source_id: record.profile_id for record in records(tx, store.personal).values()}
    for key in ("P1", "P2", "P3", "P4", "P5"):
        ledger.record(store, found[key], "newsletter", "email", "granted", actor="t", origin="staff", proof={"f": 1})
    ledger.record(store, found["P2"], "newsletter", "email", "withdrawn", actor="t", origin="staff", proof={"f": 2})
    return found


def frozen_snapshot(store: Store, holdout: set[int], share: float = 0.0) -> int:
    """A frozen snapshot of everyone, with exactly ``holdout`` held back."""
    snapshot_id = campaigns.take_snapshot(store, "Alle", EVERYONE, "marketing", holdout_share=share)
    view = campaigns.snapshot_view(store, snapshot_id)
    with store.write() as tx:
        for member in view.members:
            tx.execute(update(snapshot_member).where(snapshot_member.c.snapshot_id == snapshot_id,
                                                     snapshot_member.c.anchor == member.anchor)
                       .values(holdout=member.profile_id in holdout))  # fmt: skip
    campaigns.freeze(store, snapshot_id, "marketing")
    return snapshot_id


def test_a_snapshot_draws_its_holdout_once_and_leaves_restricted_people_out(store: Store, people) -> None:
    with store.write() as tx:
        tx.execute(update(profile).where(profile.c.id == people["P6"]).values(status="restricted"))
    snapshot_id = campaigns.take_snapshot(store, "Alle", EVERYONE, "marketing", holdout_share=0.5)
    view = campaigns.snapshot_view(store, snapshot_id)
    assert {member.profile_id for member in view.members} == {people[key] for key in ("P1", "P2", "P3", "P4", "P5")}
    drawn = [member.holdout for member in view.members]
    assert campaigns.snapshot_view(store, snapshot_id).members == view.members, "the draw is kept, not made again"
    assert len(view.treatment) + len(view.holdout) == 5 and drawn == [member.holdout for member in view.members]
    with pytest.raises(segments.InvalidValue, match="share of the holdout"):
        campaigns.take_snapshot(store, "Zu viel", EVERYONE, "m", holdout_share=0.9)


def test_people_are_taken_out_before_freezing_and_stay_taken_out(store: Store, people) -> None:
    snapshot_id = campaigns.take_snapshot(store, "Alle", EVERYONE, "marketing", holdout_share=0.0)
    anchor = next(m.anchor for m in campaigns.snapshot_view(store, snapshot_id).members if m.profile_id == people["P1"])
    campaigns.take_out(store, snapshot_id, anchor, "marketing")
    view = campaigns.snapshot_view(store, snapshot_id)
    assert [member.excluded_by for member in view.excluded] == ["marketing"] and len(view.treatment) == 5
    campaigns.take_out(store, snapshot_id, anchor, "marketing", back=True)
    campaigns.take_out(store, snapshot_id, anchor, "sales")
    campaigns.freeze(store, snapshot_id, "marketing")
    with pytest.raises(NotFrozen, match="frozen"):
        campaigns.take_out(store, snapshot_id, anchor, "marketing", back=True)
    with pytest.raises(NotFrozen, match="frozen already"):
        campaigns.freeze(store, snapshot_id, "marketing")
    assert [member.excluded_by for member in campaigns.snapshot_view(store, snapshot_id).excluded] == ["sales"]


def test_a_campaign_needs_a_frozen_snapshot_and_a_known_purpose(store: Store, people) -> None:
    snapshot_id = campaigns.take_snapshot(store, "Alle", EVERYONE, "marketing")
    with pytest.raises(NotFrozen, match="freeze the snapshot"):
        campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "marketing")
    campaigns.freeze(store, snapshot_id, "marketing")
    with pytest.raises(segments.InvalidValue, match="purpose"):
        campaigns.create_campaign(store, "Frühling", snapshot_id, "lottery", "email", "marketing")
    assert count_rows(store, "campaign") == 0


def test_the_audience_passes_the_consent_gate_and_the_holdout_is_never_written_to(store: Store, people) -> None:
    snapshot_id = frozen_snapshot(store, holdout={people["P4"]})
    campaign_id = campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "marketing")
    chosen = campaigns.audience(store, campaign_id)
    assert set(chosen.recipients) == {people[key] for key in ("P1", "P3", "P5")}
    assert chosen.holdout == [people["P4"]]
    assert chosen.left_out == {"withdrawn": 1, "no consent": 1, "restricted": 0}
    by_post = campaigns.create_campaign(store, "Brief", snapshot_id, "newsletter", "post", "marketing")
    assert campaigns.audience(store, by_post).recipients == [], "consent by email is no consent by post"


def test_each_recipient_reads_the_message_in_their_language_and_form(store: Store, people) -> None:
    snapshot_id = frozen_snapshot(store, holdout=set())
    campaign_id = campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "marketing")
    message = {"subject_de": "Frühling, {first_name}!", "body_de": "{greeting}\nneu am {today}. {unknown}",
               "subject_en": "Spring", "body_en": "{greeting}\nnew on {today}."}  # fmt: skip
    campaigns.save_message(store, campaign_id, message, 120.0, "marketing")
    rows, _audience = campaigns.export(store, campaign_id, "marketing")
    by_person = {row["profile_id"]: row for row in rows}
    assert by_person[people["P1"]]["greeting"] == "Sehr geehrte Frau Dr. Schmidt,"
    assert by_person[people["P1"]]["subject"] == "Frühling, Sabine!"
    assert "{unknown}" in by_person[people["P1"]]["body"], "an unknown placeholder stays as written"
    assert by_person[people["P3"]]["greeting"] == "Dear Alex Klein," and by_person[people["P3"]]["language"] == "en"
    assert by_person[people["P5"]]["greeting"] == "Sehr geehrte Damen und Herren,"
    assert campaigns.load(store, campaign_id).sent_at is not None
    first = campaigns.load(store, campaign_id).sent_at
    campaigns.export(store, campaign_id, "marketing")
    assert campaigns.load(store, campaign_id).sent_at == first, "sent once, however often exported"


@pytest.mark.parametrize(
    ("model", "first_share", "second_share"),
    [("last_touch", 0.0, 1.0), ("first_touch", 1.0, 0.0), ("linear", 0.5, 0.5)],
)
def test_attribution_models_on_a_hand_checked_example(model: str, first_share: float, second_share: float) -> None:
    touches = [("2026-03-01T10:00:00", 1), ("2026-03-10T10:00:00", 2)]
    assert campaigns.credit(touches, 1, model) == first_share
    assert campaigns.credit(touches, 2, model) == second_share
    assert campaigns.credit([], 1, model) == 0.0


def _sent(store: Store, campaign_id: int, at: str) -> None:
    with store.write() as tx:
        tx.execute(update(campaign_table).where(campaign_table.c.id == campaign_id).values(sent_at=at, sent_by="m"))


def test_the_report_compares_recipients_with_the_holdout(store: Store, people) -> None:
    snapshot_id = frozen_snapshot(store, holdout={people["P4"], people["P5"]})
    campaign_id = campaigns.create_campaign(store, "Frühling", snapshot_id, "newsletter", "email", "marketing")
    campaigns.save_message(store, campaign_id, {"body_de": "{greeting}"}, 10.0, "marketing")
    unsent = campaigns.report(store, campaign_id)
    assert (unsent.recipients, unsent.holdout, unsent.rate_difference) == (2, 2, None)
    _sent(store, campaign_id, "2026-03-01T10:00:00+00:00")
    orders = ("ID;Kunde;Datum;Betrag\n"
              "O1;P1;2026-03-05T12:00:00Z;50,00\n"  # a recipient, within the window
              "O2;P1;2026-05-05T12:00:00Z;70,00\n"  # too late for a 30-day window
              "O3;P4;2026-03-07T12:00:00Z;20,00\n"  # the holdout
              "O4;P3;2026-02-20T12:00:00Z;99,00\n")  # before the campaign  # fmt: skip
    import_data(store, "orders.csv", orders.encode(), "shop", kind="purchases",
                overrides={"Kunde": "contact_id"})  # fmt: skip
    found = campaigns.report(store, campaign_id, model="last_touch", window_days=30)
    assert (found.recipients, found.buyers_treated, found.holdout, found.buyers_holdout) == (2, 1, 2, 1)
    assert (found.attributed_orders, found.attributed_revenue_minor) == (1.0, 5000.0)
    assert found.rate_difference.estimate == 0.0 and found.rate_difference.low < 0 < found.rate_difference.high
    assert found.revenue_difference_minor.estimate == pytest.approx((5000 - 2000) / 2)
    assert found.return_on_investment is not None
    longer = campaigns.report(store, campaign_id, window_days=90)
    assert longer.attributed_revenue_minor == 12000.0
    with pytest.raises(segments.InvalidValue, match="window"):
        campaigns.report(store, campaign_id, window_days=0)


def test_erasure_takes_a_person_off_every_snapshot(store: Store, people) -> None:
    snapshot_id = frozen_snapshot(store, holdout=set())
    before = len(campaigns.snapshot_view(store, snapshot_id).members)
    erasure.erase_profile(store, people["P1"], "dpo", keep_purchases_since=None)
    assert len(campaigns.snapshot_view(store, snapshot_id).members) == before - 1
