"""Data-subject requests on a large store: how long an access export, an erasure and a retention run take.

Measured: wall time (``time.perf_counter``) of the library calls the DPO's
screens and the retention scheduler make, in this process, on a store with
N profiles and M purchases (one source record per profile):

* access export: ``consent.access.archive(store, [id], "de")`` for random
  profiles that have purchases: median, p95 and max, and the archive size;
* erasure: ``consent.erasure.erase_profile`` of random other profiles, keeping
  purchases within the purchases rule (the default rule keeps them all, so
  each erased profile stays as a restricted one with bare purchase facts);
  then, separately, the full request path ``open_request`` ->
  ``confirm_subject`` -> ``verify`` -> ``erase`` from ``consent.dsr``;
* retention: with the purchases rule shortened so that about ``--due-share``
  of the purchases are older than its cutoff, ``consent.retention.run`` dry,
  then for real: time and what each category had due. Idle prospects are
  erased one by one; when more are due than ``--prospect-cap``, a sample of
  that many is timed and the real run leaves the rest alone (the output says so).

Also printed: peak RSS of this process and the size of the store files.
Nothing is asserted.

How: the store is built as ``bench/web_latency.py`` builds it (generated CSV
through ``cdp.ingest.pipeline.import_data``), or reused (``--reuse DIR``: built there
once if empty). Erasure and retention change the store, so with ``--reuse``
they run on a copy in a temporary folder and the reused store stays as it was.

    python bench/dsr_speed.py [--profiles 100000 --interactions 2000000]
    python bench/dsr_speed.py --profiles 2000 --interactions 40000      # a quick check
    python bench/dsr_speed.py --reuse /tmp/kb-dsr-store                 # builds there once, reuses it afterwards
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import exists, func, select
from web_latency import FIRST_ORDER_AT, ORDER_SPAN_MINUTES, build_store, percentile

from cdp.config import Paths
from cdp.profiles import unified as profiles
from cdp.store import migrate
from cdp.store.database import Store, open_store
from cdp.store.engine import encrypted_engine
from cdp.store.keys import load_master_key
from cdp.store.schema import interaction, profile
from consent import access, dsr, retention
from consent.erasure import erase_profile

ACTOR = "bench"


# --- the store ----------------------------------------------------------------------------------------------------


def prepare_store(args: argparse.Namespace, scratch: Path) -> Path:
    """The folder of the store to measure on: built, or a copy of the reused one."""
    if args.reuse is None:
        folder = scratch / "data"
        timed_build(folder, args)
        return folder
    if not Paths(args.reuse).store.exists():
        timed_build(args.reuse, args)
    else:
        print(f"Reusing the store in {args.reuse} (--profiles and --interactions are ignored)")
    return copy_store(args.reuse, scratch / "copy")


def timed_build(folder: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    build_store(folder, args.profiles, args.interactions, args.seed)
    print(f"Store build took {time.perf_counter() - started:.1f} s", flush=True)


def copy_store(source: Path, target: Path) -> Path:
    """Copy the store, its key vault and key file (with any WAL files) so the destructive steps leave ``source`` be."""
    paths = Paths(source)
    target.mkdir(parents=True)
    started = time.perf_counter()
    for path in (paths.store, paths.vault, paths.key_file):
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                shutil.copy2(part, target / part.name)
    print(f"Copied the store to {target} in {time.perf_counter() - started:.1f} s", flush=True)
    return target


def open_folder(folder: Path) -> Store:
    """The store in ``folder``, migrated first if a reused store is behind the code."""
    paths = Paths(folder)
    master = load_master_key(paths, environ={})
    engine = encrypted_engine(paths.store, master.sqlcipher_key("store"))
    migrate.upgrade(engine)
    engine.dispose()
    return open_store(paths, master)


def file_sizes(folder: Path) -> str:
    sizes = {path.name: path.stat().st_size / 2**20 for path in sorted(folder.glob("*.db*"))}
    listed = ", ".join(f"{name} {size:,.1f}" for name, size in sizes.items())
    return f"{listed}; total {sum(sizes.values()):,.1f} MiB"


def survey(store: Store) -> tuple[int, int, list[int], int]:
    """Profiles, interactions, ids of profiles with purchases (ascending), and how many profiles have none."""
    bought = select(interaction.c.profile_id).where(interaction.c.kind == "purchase")
    with store.read() as connection:
        count = connection.execute(select(func.count()).select_from(profile)).scalar_one()
        interactions = connection.execute(select(func.count()).select_from(interaction)).scalar_one()
        buyers = list(connection.execute(bought.distinct().order_by(interaction.c.profile_id)).scalars())
        without = connection.execute(
            select(func.count())
            .select_from(profile)
            .where(~exists(bought.where(interaction.c.profile_id == profile.c.id)))
        ).scalar_one()
    return count, interactions, buyers, without


# --- timing and printing ------------------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> tuple[float, object]:
    """Milliseconds ``call`` took, and what it returned."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return (
        f"n={len(ordered)}  median {percentile(ordered, 0.5):,.1f} ms  p95 {percentile(ordered, 0.95):,.1f} ms  "
        f"max {ordered[-1]:,.1f} ms"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- 1. access export ---------------------------------------------------------------------------------------------


def measure_access(store: Store, ids: list[int]) -> None:
    times, sizes = [], []
    for profile_id in ids:
        ms, archive = timed(lambda profile_id=profile_id: access.archive(store, [profile_id], "de"))
        times.append(ms)
        sizes.append(len(archive))
    ordered = sorted(sizes)
    print("\n1. Access export: access.archive(store, [id], 'de') of one person with purchases")
    print(f"   {summary(times)}")
    print(f"   archive size: median {percentile(ordered, 0.5) / 1024:,.1f} KiB, max {ordered[-1] / 1024:,.1f} KiB")


# --- 2. erasure ---------------------------------------------------------------------------------------------------


def measure_erasure(store: Store, ids: list[int]) -> None:
    keep = retention.cutoff(store, "purchases")
    times, kept, removed = [], 0, 0
    for profile_id in ids:
        ms, erased = timed(
            lambda profile_id=profile_id: erase_profile(
                store, profile_id, ACTOR, keep_purchases_since=keep, request_id=None
            )
        )
        times.append(ms)
        kept += erased.purchases_kept
        removed += erased.interactions
    print(f"\n2. Erasure: erase_profile of one person, keeping purchases since {keep} (the purchases rule)")
    print(f"   {summary(times)}")
    print(f"   purchases kept restricted: {kept:,}; interactions deleted: {removed:,}")


def request_path(store: Store, profile_id: int) -> dict[str, float]:
    """One erasure request from intake to done; milliseconds per step."""
    steps: dict[str, float] = {}
    steps["open_request"], request_id = timed(
        lambda: dsr.open_request(store, "erasure", {"name": "Bench Person"}, date.today(), ACTOR)
    )
    steps["confirm_subject"], _ = timed(lambda: dsr.confirm_subject(store, request_id, profile_id, ACTOR))
    steps["verify"], _ = timed(lambda: dsr.verify(store, request_id, "known_email", ACTOR))
    steps["erase"], _ = timed(lambda: dsr.erase(store, request_id, ACTOR))
    return steps


def measure_requests(store: Store, ids: list[int]) -> None:
    runs = [request_path(store, profile_id) for profile_id in ids]
    print("\n   Full request path: open_request -> confirm_subject -> verify -> erase")
    print(f"   total per request: {summary([sum(steps.values()) for steps in runs])}")
    for step in runs[0]:
        print(f"     {step:<16} {summary([steps[step] for steps in runs])}")


# --- 3. retention -------------------------------------------------------------------------------------------------


def months_for_share(share: float, today: date) -> tuple[int, date]:
    """Months of a purchases rule whose cutoff leaves about ``share`` of the generated purchase dates older."""
    target = (FIRST_ORDER_AT + timedelta(minutes=ORDER_SPAN_MINUTES * share)).date()
    return max(1, (today.year - target.year) * 12 + today.month - target.month), target


def set_retention(store: Store, share: float) -> None:
    months, target = months_for_share(share, date.today())
    retention.set_rule(store, "purchases", months, "bench: make a share of the purchases due", ACTOR)
    print(f"\n3. Retention: purchases rule set to {months} months, cutoff {retention.cutoff(store, 'purchases')}")
    print(f"   (aimed at {target}, so that about {share:.0%} of the generated purchases are older)")


def report_due(found: list[retention.Due], purchases: int) -> None:
    for item in found:
        share = f" ({len(item.ids) / purchases:.1%} of purchases)" if item.category == "purchases" and purchases else ""
        print(f"     {item.category:<26} cutoff {item.cutoff}  due {len(item.ids):>10,}{share}")


def erase_as_retention(store: Store, profile_id: int) -> None:
    """What a retention run does to one idle prospect."""
    erase_profile(store, profile_id, ACTOR, keep_purchases_since=None, suppress=False)


def time_prospects(store: Store, ids: list[int], cap: int) -> None:
    """Erase a sample of idle prospects as the run would, and leave the rest out of the real run."""
    sample = ids[:cap]
    times = [timed(lambda profile_id=profile_id: erase_as_retention(store, profile_id))[0] for profile_id in sample]
    estimate = sum(times) / len(times) * len(ids) / 1000
    print(f"   {len(ids):,} idle prospects due: more than --prospect-cap {cap}, so only a sample was erased:")
    print(f"     per prospect {summary(times)}; all {len(ids):,} would take about {estimate:,.0f} s")
    print("     the real run below skips the prospects (their rule is set to 1200 months for it)")
    retention.set_rule(store, "prospects_without_consent", 1200, "bench: skip prospects in the timed run", ACTOR)


def measure_retention(store: Store, args: argparse.Namespace, purchases: int) -> None:
    set_retention(store, args.due_share)
    ms, found = timed(lambda: retention.run(store, ACTOR, dry_run=True))
    print(f"   dry run: {ms / 1000:,.2f} s")
    report_due(found, purchases)
    prospects = next(item.ids for item in found if item.category == "prospects_without_consent")
    if len(prospects) > args.prospect_cap:
        time_prospects(store, prospects, args.prospect_cap)
    elif not prospects:
        print("   no idle prospects due: profiles are created at import (today), none older than the prospects rule")
    ms, found = timed(lambda: retention.run(store, ACTOR))
    print(f"   real run: {ms / 1000:,.2f} s")
    report_due(found, purchases)
    ms, again = timed(lambda: retention.run(store, ACTOR, dry_run=True))
    print(f"   dry run afterwards: {ms / 1000:,.2f} s, due: " + ", ".join(f"{i.category}={len(i.ids)}" for i in again))


# --- main ---------------------------------------------------------------------------------------------------------


def pick(buyers: list[int], count: int, seed: int) -> tuple[list[int], list[int], list[int]]:
    """Three disjoint random samples of profiles with purchases: for access, erasure and the request path."""
    chosen = random.Random(seed).sample(buyers, min(len(buyers), 2 * count + 3))
    return chosen[:count], chosen[count : 2 * count], chosen[2 * count :]


def measure(folder: Path, args: argparse.Namespace) -> None:
    store = open_folder(folder)
    try:
        count, interactions, buyers, without = survey(store)
        print(f"Store: {count:,} profiles, {interactions:,} interactions; {without:,} profiles without purchases")
        print(f"Store files: {file_sizes(folder)}", flush=True)
        for_access, for_erasure, for_requests = pick(buyers, args.people, args.seed)
        measure_access(store, for_access)
        measure_erasure(store, for_erasure)
        measure_requests(store, for_requests[: args.requests])
        profiles.load(store, for_access[0])  # the store still answers after the erasures
        measure_retention(store, args, interactions)
    finally:
        store.close()
    print(f"\nPeak RSS of this process: {peak_rss_mib():,.0f} MiB")
    print(f"Store files after the run: {file_sizes(folder)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="contacts to import (one profile each)")
    parser.add_argument("--interactions", type=int, default=2_000_000, help="purchases to import")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="store folder: built there if empty, else reused")
    parser.add_argument("--people", type=int, default=30, help="profiles exported, and profiles erased")
    parser.add_argument("--requests", type=int, default=3, help="erasure requests taken through the full path")
    parser.add_argument("--due-share", type=float, default=0.15, help="share of purchases the retention rule makes due")
    parser.add_argument("--prospect-cap", type=int, default=200, help="most idle prospects the real run erases")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("Figures are wall times on a shared machine and may be noisy.")
    with tempfile.TemporaryDirectory(prefix="kb-dsr-") as scratch:
        measure(prepare_store(args, Path(scratch)), args)


if __name__ == "__main__":
    main()
