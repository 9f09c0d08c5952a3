"""Which source records are one person: deterministic links, guarded, then clustered.

A pair of records sharing an identifier (email, customer number, a handle on
the same network, a phone number) is joined unless the rest of the two
records disagrees: first names or birth dates clearly different leave the
pair to the match model, which weighs them (a family shares an email). A
shared phone number alone is weak, since a family shares its landline: it
needs the first names to agree as well.

Clustering joins the strongest links first and refuses any join that would
put two records into one profile that certainly name two people
(``compare.different_people``: the household guard), or whose birth dates
are far apart without a link between the two of them, so weak links cannot
chain strangers together. Staff decisions win: "join" always joins, "apart"
is never undone by a run.

A use case opens the unit of work; store functions take it. The use cases
here (``resolve_all``, ``resolve_new`` and the reads the web app makes;
staff corrections are in ``identity.corrections``) open ``store.read()`` and
``store.write()``; ``identity.store``, ``identity.review_queue``,
``identity.blocking_keys`` and ``cdp.records`` take the transaction. Reads that must agree share one
``store.read()``, and no use case runs inside another's ``store.write()``,
which is not re-entrant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

import pyarrow as pa
from sqlalchemy import Connection

from cdp import config
from cdp import records as source_records
from cdp.records import Record
from cdp.store.database import Store
from cdp.store.personal import PersonalData
from identity import blocking_keys, compare, review_queue
from identity import model as match_model
from identity import store as identity_store
from identity.prepare import prepare_all
from identity.score import Scorer
from identity.store import Link

# A model trained on fewer records learns noise; smaller stores use the
# deterministic stage only.
MODEL_MIN_RECORDS = 1000
# Staff decisions first, then shared identifiers, then the model's links.
PRIORITY = {"staff": 0, "identifier": 1, "model": 2}
STRONG_KINDS = ("email", "customer_number", "facebook", "x", "xing", "linkedin", "instagram", "website")
AGREEING_FIRST_NAMES = ("exact", "nickname", "jw_high")
# A blocking key shared by more records than this (a very common surname and
# initial) finds no candidates for one new record; its other keys still do.
MAX_BLOCK = 200
# Up to this many candidate pairs for new records, every one is scored.
SCORE_ALL = 100
Progress = Callable[[str], None]
Notes = Callable[[str], None]


def evidence(left: Record, right: Record, shared: Iterable[str]) -> dict:
    """The comparison levels of two records, and the identifiers they share."""
    a, b = left.fields, right.fields
    return {
        "shared": sorted(set(shared)),
        "first_name": compare.first_name(a.get("first_name"), b.get("first_name")),
        "last_name": compare.surname(a.get("last_name"), b.get("last_name")),
        "birth_date": compare.birth_date(a.get("birth_date"), b.get("birth_date")),
        "address": compare.address(a, b),
    }


def conflict(left: Record, right: Record) -> bool:
    """Whether two records are certainly different people (``compare.different_people``). Any other
    disagreement is the match model's to weigh."""
    return compare.different_people(left.fields, right.fields)


def judge(left: Record, right: Record, shared: set[str]) -> Link | None:
    """A link between two records that share identifiers, or ``None``.

    A shared identifier is no proof when the records name two people: a
    family's email or landline. So a pair whose first names or birth dates
    clearly differ is left to the model; a phone number alone also needs the
    first names to agree.
    """
    a, b = left.fields, right.fields
    found = evidence(left, right, shared)
    if conflict(left, right) or compare.first_names_apart(a, b) or found["birth_date"] == compare.DIFFERENT:
        return None
    strong = shared & set(STRONG_KINDS)
    if not strong and found["first_name"] not in AGREEING_FIRST_NAMES:
        return None
    low, high = sorted((left.id, right.id))
    return Link(low, high, "identifier", float(len(shared)), found)


def candidate_links(records: dict[int, Record], groups: list[tuple[str, list[int]]]) -> list[Link]:
    """Every guarded link among records that share identifiers."""
    shared: dict[tuple[int, int], set[str]] = {}
    for kind, members in groups:
        present = [member for member in members if member in records]
        for pair in combinations(sorted(present), 2):
            shared.setdefault(pair, set()).add(kind)
    links = [judge(records[left], records[right], kinds) for (left, right), kinds in shared.items()]
    return [link for link in links if link is not None]


def cluster(
    records: dict[int, Record], links: list[Link], decisions: dict[tuple[int, int], str]
) -> tuple[list[list[int]], list[Link]]:
    """Records grouped into people, and the links that joined them.

    Strongest links first; a link that would bring conflicting records
    together is skipped. The joining links (one fewer than the records of a
    profile) are its evidence.

    Two records whose birth dates no typo explains are not certainly two
    people (a date is often entered for someone else), so a link between the
    two of them, weighed by the model, may join them; but no chain of other
    links may: a father and a son of one name, one with the family's email
    and the other with its landline, stay apart.
    """
    direct = {(link.left, link.right) for link in links}
    root: dict[int, int] = {}  # record id -> the first record of its cluster, once it has joined one
    members: dict[int, list[int]] = {}  # that first record -> the records of its cluster
    staff = [
        Link(left, right, "staff", 100.0, {"decided": "join"})
        for (left, right), decision in decisions.items()
        if decision == "join"
    ]
    joins: list[Link] = []
    for link in sorted(staff + links, key=lambda link: (PRIORITY[link.method], -link.score)):
        if link.left not in records or link.right not in records:
            continue
        a, b = root.get(link.left, link.left), root.get(link.right, link.right)
        group_a, group_b = members.get(a, [a]), members.get(b, [b])
        if a == b or _blocked(group_a, group_b, records, decisions, direct, link.method == "staff"):
            continue
        keep, absorb = (a, b) if len(group_a) >= len(group_b) else (b, a)
        group = members.setdefault(keep, [keep])
        root[keep] = keep
        for record_id in members.pop(absorb, [absorb]):
            root[record_id] = keep
            group.append(record_id)
        joins.append(link)
    alone = [[record_id] for record_id in records if record_id not in root]
    return [sorted(group) for group in members.values()] + alone, joins


def _blocked(
    left: list[int],
    right: list[int],
    records: dict[int, Record],
    decisions: dict[tuple[int, int], str],
    direct: set[tuple[int, int]],
    staff: bool,
) -> bool:
    for a in left:
        for b in right:
            pair = (min(a, b), max(a, b))
            if decisions.get(pair) == "apart":
                return True
            if staff:
                continue
            if conflict(records[a], records[b]) or (pair not in direct and _dates_apart(records[a], records[b])):
                return True
    return False


def _dates_apart(left: Record, right: Record) -> bool:
    return compare.birth_date(left.fields.get("birth_date"), right.fields.get("birth_date")) in compare.DATES_APART


def model_links(
    table: pa.Table, stored: str | None, train: bool = True, notes: Notes | None = None
) -> tuple[str | None, list[Link], list[Link]]:
    """The model, the links it is sure of, and the pairs it is unsure of
    (thresholds ``CDP_MATCH_JOIN`` and ``CDP_MATCH_REVIEW``), each with its evidence.

    ``table`` holds the records' ``identity.model.table`` rows; ``stored`` is
    the model kept in the store, if any. Without one, a model is trained on
    the records (the caller keeps it) when ``train`` allows; ``notes`` is told
    each part of training that fell back to defaults. Small stores get no model.
    """
    if table.num_rows < MODEL_MIN_RECORDS or (stored is None and not train):
        return stored, [], []
    text = stored
    if text is None:
        model, learnt = match_model.train(table)
        for note in learnt:
            (notes or (lambda note: None))(note)
        text = json.dumps(model)
    join, review = config.match_thresholds()
    return text, *_sure_and_unsure(match_model.predict(table, json.loads(text), review), join, review)


def _sure_and_unsure(scored: list[Link], join: float, review: float) -> tuple[list[Link], list[Link]]:
    """Links to join (probability ≥ ``join``) and pairs for staff (from ``review``)."""
    wanted = [link for link in scored if link.evidence["probability"] >= review]
    return (
        [link for link in wanted if link.evidence["probability"] >= join],
        [link for link in wanted if link.evidence["probability"] < join],
    )


STEPS = ("read", "identifiers", "model", "cluster", "write")
MODEL = "identity_model"
MODEL_VERSION = "identity_model_version"  # the ``identity.model.VERSION`` the stored model was trained under
OUTDATED = "The match model was trained by an earlier version of Kundenbild, so it was trained anew."
# From this many records a unit of work gets a larger page cache (``store.write(bulk=True)``): a run over
# many records rewrites pages all over the large tables, which would otherwise be read and decrypted again
# and again.
BULK_RECORDS = 100_000


def resolve_all(
    store: Store,
    actor: str,
    retrain: bool = False,
    progress: Progress | None = None,
    processes: bool = False,
    train: bool = True,
    notes: Notes | None = None,
) -> dict[str, int]:
    """Re-run resolution over every record, respecting staff decisions.

    Without a stored model one is trained, unless ``train`` is off (after an
    import, which only ever uses the model ``cdp resolve`` trained).
    ``progress`` is told the name of each step of ``STEPS`` as it finishes,
    ``notes`` each part of the model's training that fell back to defaults.
    ``processes`` reads and prepares the records in worker processes (never
    in a multi-threaded server: see ``cdp.records.map_records``).

    A run over a million records takes minutes, so it is not one unit of
    work but one per stage: the records are read a chunk at a time, by
    worker processes on connections of their own (no one read transaction
    can span them); a read held open for minutes would keep SQLite from
    checkpointing its write-ahead log, and one write for the whole run would
    hold off every other writer (staff in the web app) for as long. The
    units: one read (records without blocking keys, staff decisions, the
    stored model); the records, chunk by chunk; the blocking keys, one bulk
    write while the model runs in a thread; one read of the shared
    identifiers; the model kept, if new; and one write that makes the
    profiles and replaces the review queue together, so that the two agree.
    That last unit reads the staff decisions again and clusters anew should
    staff have decided a pair while the run worked: their word holds.
    """
    done = progress or (lambda step: None)
    with store.read() as tx:
        outdated = blocking_keys.made_under(tx) != match_model.KEYS  # made under other rules, or never rebuilt
        missing = None if retrain or outdated else set(blocking_keys.records_without_keys(tx))
        decisions = identity_store.decisions(tx)
        stored = None if retrain else identity_store.meta(tx, MODEL)
        if stored is not None and train and identity_store.meta(tx, MODEL_VERSION) != match_model.VERSION:
            stored = None
            (notes or (lambda note: None))(OUTDATED)
    prepared = prepare_all(store, with_keys=missing is None or bool(missing), processes=processes)
    records = prepared.records
    done("read")
    # The model is DuckDB's work, and it lets go of Python's lock while it works; so it runs in a
    # thread (it does not touch the store) while this one writes the blocking keys and judges the
    # records that share identifiers.
    with ThreadPoolExecutor(max_workers=1) as background:
        modelled = background.submit(model_links, prepared.table, stored, train, notes)
        _keep_blocking_keys(store, prepared.keys, missing, len(records))
        with store.read() as tx:
            groups = identity_store.shared_identifiers(tx)
        links = candidate_links(records, groups)
        done("identifiers")
        model, sure, unsure = modelled.result()
    del prepared
    if model != stored:
        with store.write() as tx:
            identity_store.set_meta(tx, MODEL, model)
            identity_store.set_meta(tx, MODEL_VERSION, match_model.VERSION)
    done("model")
    links += sure
    clusters, joins = cluster(records, links, decisions)
    done("cluster")
    with store.write(bulk=len(records) > BULK_RECORDS) as tx:
        decisions, clusters, joins = _decided_meanwhile(tx, records, links, decisions, clusters, joins)
        counts = identity_store.apply_clusters(tx, clusters, joins, actor)
        review = _still_open(unsure, clusters, records, decisions)
        review_queue.replace_review(tx, review)
    done("write")
    return {"records": len(records), "profiles": len(clusters), "review": len(review), **counts}


def _decided_meanwhile(
    tx: Connection,
    records: dict[int, Record],
    links: list[Link],
    decisions: dict[tuple[int, int], str],
    clusters: list[list[int]],
    joins: list[Link],
) -> tuple[dict[tuple[int, int], str], list[list[int]], list[Link]]:
    """The staff decisions as the writing unit of work ``tx`` sees them, and the clusters and joins they
    make: those given, unless staff decided a pair after they were read (their word holds)."""
    latest = identity_store.decisions(tx)
    if latest == decisions:
        return decisions, clusters, joins
    return latest, *cluster(records, links, latest)


def _keep_blocking_keys(store: Store, keys: list[bytes], missing: set[int] | None, records: int) -> None:
    """Write every record's blocking keys (on ``--retrain``, or when no record has any, as after an import
    or a restore), else those of the records that have none yet (``missing``); a unit of work of its own."""
    if missing is None or len(missing) == records:
        with store.write(bulk=True) as tx:
            blocking_keys.rebuild(tx, keys, match_model.KEYS)
    elif missing:
        with store.write() as tx:
            blocking_keys.add(tx, keys, missing)


def _still_open(
    unsure: list[Link], clusters: list[list[int]], records: dict[int, Record], decisions: dict[tuple[int, int], str]
) -> list[Link]:
    """Uncertain pairs worth a person's look: in different profiles, not
    decided by staff, and not certainly different people."""
    cluster_of = {record_id: number for number, group in enumerate(clusters) for record_id in group}
    return [
        Link(link.left, link.right, "model", link.evidence["probability"], link.evidence)
        for link in unsure
        if cluster_of[link.left] != cluster_of[link.right]
        and (link.left, link.right) not in decisions
        and not conflict(records[link.left], records[link.right])
    ]


def links_of(store: Store, profile_id: int) -> list[Link]:
    """The stored evidence of one profile: the links that joined its records."""
    with store.read() as tx:
        return identity_store.links_of(tx, profile_id)


def profile_of_record(store: Store, record_id: int) -> int:
    """The profile a source record belongs to now (after a join or split, say)."""
    with store.read() as tx:
        return source_records.profile_of_record(tx, record_id)


# From this many records an import is resolved by the batch run, whose memory is bounded
# (a chunk of records at a time), instead of record by record.
BATCH_FROM = 5_000


def resolve_imported(store: Store, record_ids: list[int], actor: str) -> dict[str, int]:
    """Resolve the records an import created or changed: a few against the profiles they touch, many in one batch."""
    if len(record_ids) >= BATCH_FROM:
        return resolve_all(store, actor, train=False)
    return resolve_new(store, record_ids, actor)


def resolve_new(store: Store, record_ids: list[int], actor: str) -> dict[str, int]:
    """Resolve freshly imported (or changed) records against the profiles they touch.

    Only the profiles of records sharing an identifier or a blocking key with
    a new record are looked at, so this stays cheap however large the store
    is. The stored model scores the blocking candidates in Python; its sure
    links join, its unsure ones go to the review queue.

    Two units of work: everything is read in one read transaction, so that
    the records, identifiers, links, decisions and blocking keys read agree;
    the new records' blocking keys, the profiles and the review queue are
    written in one write. (The new records' keys are reckoned with as if
    already written: see ``identity.blocking_keys.sharing``.) The write moves
    records from the profiles they are in when it runs, and clusters anew
    should staff have decided a pair since the read.
    """
    personal = store.personal
    with store.read() as tx:
        fresh = source_records.records(tx, personal, record_ids)
        rows = {record_id: match_model.row(record) for record_id, record in fresh.items()}
        keys = {record_id: match_model.blocking_keys(row) for record_id, row in rows.items()}
        sure, unsure = scored_candidates(tx, personal, rows, keys)
        groups = identity_store.shared_identifiers(tx, record_ids)
        decisions = identity_store.decisions(tx)
        decided = {record_id for pair in decisions for record_id in pair} & set(record_ids)
        quiet = not groups and not decided and not sure and not unsure
        if not quiet:
            touched = {member for _, members in groups for member in members} | set(record_ids)
            touched |= {record_id for link in sure for record_id in (link.left, link.right)}
            around = source_records.records(tx, personal, touched)
            profiles = {record.profile_id for record in around.values()}
            records = source_records.records(tx, personal, source_records.records_of_profiles(tx, profiles))
            links = candidate_links(records, identity_store.shared_identifiers(tx, list(records))) + sure
            links += [link for link in identity_store.links_of_profiles(tx, profiles) if link.method != "staff"]
    if quiet:
        with store.write() as tx:
            blocking_keys.replace(tx, personal, keys)
        return {"records": len(record_ids), "moved": 0}
    clusters, joins = cluster(records, links, decisions)
    with store.write() as tx:
        decisions, clusters, joins = _decided_meanwhile(tx, records, links, decisions, clusters, joins)
        blocking_keys.replace(tx, personal, keys)
        counts = identity_store.apply_clusters(tx, clusters, joins, actor)
        if unsure:
            ids = {link.left for link in unsure} | {link.right for link in unsure}
            involved = source_records.records(tx, personal, ids)
            clusters_now: dict[int, list[int]] = {}
            for record in involved.values():
                clusters_now.setdefault(record.profile_id, []).append(record.id)
            review_queue.add_review(tx, _still_open(unsure, list(clusters_now.values()), involved, decisions))
    return counts


def scored_candidates(
    tx: Connection, personal: PersonalData, fresh: dict[int, dict], keys: dict[int, list[blocking_keys.Key]]
) -> tuple[list[Link], list[Link]]:
    """The stored model's sure and unsure links between the ``fresh`` records (their ``identity.model.row``
    rows, by id) and the records sharing a blocking key with them; ``keys`` are the fresh records' blocking
    keys, not yet written. Without a trained model, no links."""
    text = identity_store.meta(tx, MODEL)
    if text is None or not fresh:
        return [], []
    rows = dict(fresh)
    candidate_keys = {key for found in keys.values() for key in found if key[0] in match_model.BLOCKING_RULES}
    sharing = blocking_keys.sharing(tx, personal, candidate_keys, MAX_BLOCK, pending=keys)
    pairs = _worth_scoring(keys, sharing)
    others = {record_id for pair in pairs for record_id in pair} - set(rows)
    for record_id, record in source_records.records(tx, personal, others).items():
        rows[record_id] = match_model.row(record)
    scorer = Scorer(json.loads(text), _frequency(tx, personal, keys))
    scored = [scorer.link(rows[left], rows[right]) for left, right in pairs if left in rows and right in rows]
    return _sure_and_unsure(scored, *config.match_thresholds())


def _worth_scoring(keys: dict[int, list[tuple[int, str]]], sharing: dict) -> set[tuple[int, int]]:
    """The candidate pairs to decrypt and score.

    A pair sharing one blocking key only (the same birth date, say) among
    many candidates is almost never the same person; the model needs more
    agreement than one key gives to reach its thresholds. So with more than
    ``SCORE_ALL`` candidates, only pairs sharing two keys, or an email or
    phone key, are scored.
    """
    shared: dict[tuple[int, int], int] = {}
    strong: set[tuple[int, int]] = set()
    for record_id, found in keys.items():
        for key in found:
            for other in sharing.get(key, ()):
                if other != record_id:
                    pair = (min(record_id, other), max(record_id, other))
                    shared[pair] = shared.get(pair, 0) + 1
                    if key[0] in match_model.STRONG_RULES:
                        strong.add(pair)
    if len(shared) <= SCORE_ALL:
        return set(shared)
    return {pair for pair, count in shared.items() if count >= 2} | strong


def _frequency(
    tx: Connection, personal: PersonalData, pending: dict[int, list[blocking_keys.Key]]
) -> Callable[[str, str], float]:
    """How often a name occurs among all records, counted from the blocking keys (``pending`` ones
    included) when first asked, in the read transaction ``tx``: only for use inside it."""
    totals = blocking_keys.totals(tx)
    known: dict[tuple[int, str], int] = {}

    def frequency(column: str, value: str) -> float:
        key = (match_model.COUNTED[column], value)
        if key not in known:
            known.update(blocking_keys.counts(tx, personal, [key], pending=pending))
        total = totals.get(key[0])
        return known[key] / total if total else 0.0

    return frequency
