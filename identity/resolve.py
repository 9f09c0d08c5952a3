"""Which source records are one person: deterministic links, guarded, then clustered.

A pair of records sharing an identifier (email, customer number, a handle on
the same network, a phone number) is joined unless the rest of the two
records says they are different people: different birth dates, different
first names, or the household guard (same address and surname, different
first name or birth date). A shared phone number alone is weak, since a
family shares its landline: it needs the first names to agree as well.

Clustering joins the strongest links first and refuses any join that would
put two conflicting records into one profile, so weak links cannot chain
strangers together. Staff decisions win: "join" always joins, "apart" is
never undone by a run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

import pyarrow as pa

from cdp import blocking, config, linking
from cdp.errors import NotFound
from cdp.linking import Link, Record
from cdp.store import Store
from identity import compare
from identity import model as match_model
from identity.prepare import prepare_all
from identity.score import Scorer

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
    """Whether two records are certainly different people."""
    a, b = left.fields, right.fields
    if compare.birth_date(a.get("birth_date"), b.get("birth_date")) == compare.DIFFERENT:
        return True
    if compare.first_name(a.get("first_name"), b.get("first_name")) == compare.DIFFERENT:
        return True
    return compare.household_apart(a, b)


def judge(left: Record, right: Record, shared: set[str]) -> Link | None:
    """A link between two records that share identifiers, or ``None``."""
    if conflict(left, right):
        return None
    found = evidence(left, right, shared)
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
    """
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
        if a == b or _blocked(group_a, group_b, records, decisions, link.method == "staff"):
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
    left: list[int], right: list[int], records: dict[int, Record], decisions: dict[tuple[int, int], str], staff: bool
) -> bool:
    for a in left:
        for b in right:
            pair = (min(a, b), max(a, b))
            if decisions.get(pair) == "apart":
                return True
            if not staff and conflict(records[a], records[b]):
                return True
    return False


def model_links(table: pa.Table, stored: str | None, train: bool = True) -> tuple[str | None, list[Link], list[Link]]:
    """The model, the links it is sure of, and the pairs it is unsure of
    (thresholds ``CDP_MATCH_JOIN`` and ``CDP_MATCH_REVIEW``), each with its evidence.

    ``table`` holds the records' ``identity.model.table`` rows; ``stored`` is
    the model kept in the store, if any. Without one, a model is trained on
    the records (the caller keeps it) when ``train`` allows. Small stores get no model.
    """
    if table.num_rows < MODEL_MIN_RECORDS or (stored is None and not train):
        return stored, [], []
    text = stored if stored is not None else json.dumps(match_model.train(table))
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


def resolve_all(
    store: Store,
    actor: str,
    retrain: bool = False,
    progress: Progress | None = None,
    processes: bool = False,
    train: bool = True,
) -> dict[str, int]:
    """Re-run resolution over every record, respecting staff decisions.

    Without a stored model one is trained, unless ``train`` is off (after an
    import, which only ever uses the model ``cdp resolve`` trained).
    ``progress`` is told the name of each step of ``STEPS`` as it finishes.
    ``processes`` reads and prepares the records in worker processes (never
    in a multi-threaded server: see ``cdp.linking.map_records``).
    """
    done = progress or (lambda step: None)
    missing = None if retrain else set(blocking.records_without_keys(store))
    prepared = prepare_all(store, with_keys=missing is None or bool(missing), processes=processes)
    records = prepared.records
    decisions = linking.decisions(store)
    stored = None if retrain else store.meta(MODEL)
    done("read")
    # The model is DuckDB's work, and it lets go of Python's lock while it works; so it runs in a
    # thread (it does not touch the store) while this one writes the blocking keys and judges the
    # records that share identifiers.
    with ThreadPoolExecutor(max_workers=1) as background:
        modelled = background.submit(model_links, prepared.table, stored, train)
        _keep_blocking_keys(store, prepared.keys, missing, len(records))
        links = candidate_links(records, linking.shared_identifiers(store))
        done("identifiers")
        model, sure, unsure = modelled.result()
    del prepared
    if model != stored:
        store.set_meta(MODEL, model)
    done("model")
    links += sure
    clusters, joins = cluster(records, links, decisions)
    done("cluster")
    counts = linking.apply_clusters(store, clusters, joins, actor)
    review = _still_open(unsure, clusters, records, decisions)
    linking.replace_review(store, review)
    done("write")
    return {"records": len(records), "profiles": len(clusters), "review": len(review), **counts}


def _keep_blocking_keys(store: Store, keys: list[bytes], missing: set[int] | None, records: int) -> None:
    """Write every record's blocking keys (on ``--retrain``, or when no record has any, as after an import
    or a restore), else those of the records that have none yet (``missing``)."""
    if missing is None or len(missing) == records:
        blocking.rebuild(store, keys)
    elif missing:
        blocking.add(store, keys, missing)


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


def split_out(store: Store, profile_id: int, record_id: int, actor: str) -> None:
    """Take one record out of a profile for good: staff decide it is apart
    from every other record there, and the profile is re-clustered."""
    others = [other for other in linking.records_of_profiles(store, [profile_id]) if other != record_id]
    linking.decide(store, [(record_id, other) for other in others], "apart", actor)
    resolve_new(store, [record_id, *others], actor)


def join_profiles(store: Store, profile_id: int, other_profile_id: int, actor: str) -> None:
    """Join two profiles because staff say they are one person."""
    first = linking.records_of_profiles(store, [profile_id])
    second = linking.records_of_profiles(store, [other_profile_id])
    if not first or not second:
        raise NotFound("One of the two profiles does not exist.")
    linking.decide(store, [(first[0], second[0])], "join", actor)
    resolve_new(store, [*first, *second], actor)


def settle(store: Store, left: int, right: int, decision: str, actor: str, with_restricted: bool) -> None:
    """A staff decision on a pair the queue offers them: recorded, taken off
    the queue and, for a join, carried out at once."""
    linking.settle_review(store, left, right, decision, actor, with_restricted)
    if decision == "join":
        resolve_new(store, [left, right], actor)


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
    """
    sure, unsure = scored_candidates(store, linking.records(store, record_ids))
    groups = linking.shared_identifiers(store, record_ids)
    touched = {member for _, members in groups for member in members} | set(record_ids)
    touched |= {record_id for link in sure for record_id in (link.left, link.right)}
    decisions = linking.decisions(store)
    decided = {record_id for pair in decisions for record_id in pair} & set(record_ids)
    if not groups and not decided and not sure and not unsure:
        return {"records": len(record_ids), "moved": 0}
    around = linking.records(store, touched)
    profiles = {record.profile_id for record in around.values()}
    records = linking.records(store, linking.records_of_profiles(store, profiles))
    links = candidate_links(records, linking.shared_identifiers(store, list(records))) + sure
    links += [link for link in linking.links_of_profiles(store, profiles) if link.method != "staff"]
    clusters, joins = cluster(records, links, decisions)
    counts = linking.apply_clusters(store, clusters, joins, actor)
    if unsure:
        involved = linking.records(store, {link.left for link in unsure} | {link.right for link in unsure})
        clusters_now: dict[int, list[int]] = {}
        for record in involved.values():
            clusters_now.setdefault(record.profile_id, []).append(record.id)
        linking.add_review(store, _still_open(unsure, list(clusters_now.values()), involved, decisions))
    return counts


def scored_candidates(store: Store, fresh: dict[int, Record]) -> tuple[list[Link], list[Link]]:
    """The stored model's sure and unsure links between ``fresh`` records and
    the records sharing a blocking key with them; the fresh records' keys are
    stored on the way. Without a trained model, no links."""
    rows = {record_id: match_model.row(record) for record_id, record in fresh.items()}
    keys = {record_id: match_model.blocking_keys(row) for record_id, row in rows.items()}
    blocking.replace(store, keys)
    text = store.meta(MODEL)
    if text is None or not fresh:
        return [], []
    candidate_keys = {key for found in keys.values() for key in found if key[0] < len(match_model.BLOCKING_RULES)}
    sharing = blocking.sharing(store, candidate_keys, MAX_BLOCK)
    pairs = _worth_scoring(keys, sharing)
    others = {record_id for pair in pairs for record_id in pair} - set(rows)
    for record_id, record in linking.records(store, others).items():
        rows[record_id] = match_model.row(record)
    scorer = Scorer(json.loads(text), _frequency(store))
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


def _frequency(store: Store) -> Callable[[str, str], float]:
    """How often a name occurs among all records, counted from the blocking keys when first asked."""
    totals = blocking.totals(store)
    known: dict[tuple[int, str], int] = {}

    def frequency(column: str, value: str) -> float:
        key = (match_model.COUNTED[column], value)
        if key not in known:
            known.update(blocking.counts(store, [key]))
        total = totals.get(key[0])
        return known[key] / total if total else 0.0

    return frequency
