"""One new record resolved at once against a large store: latency of the incremental path.

Builds an encrypted store from ``bench/identity_data.py`` records through the real import, resolves
it in batch once (which trains and stores the match model and writes the blocking keys), then
imports held-back records one at a time and times ``identity.resolve.resolve_new`` on each: the
blocking-key lookup, decrypting the candidates, scoring them in Python with the stored weights,
clustering the profiles touched and writing the result. Prints median, p95 and p99, and how
often the held-back record ended in the profile of its true duplicate.

    python bench/identity_incremental.py --records 200000 --new 200
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_data import generate
from identity_quality import importable

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.records import profile_of_record, records_of_profiles
from cdp.store.database import create_store, open_store
from cdp.store.keys import MasterKey
from identity import store as identity_store
from identity.resolve import resolve_all, resolve_new


def _jsonl(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()


def _resolve(folder: str, key: bytes, report: multiprocessing.Queue) -> None:
    store = open_store(Paths(Path(folder)), MasterKey(raw=key))
    steps: list[tuple[str, float]] = []
    last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps.append((name, now - last))
        last = now

    resolve_all(store, actor="bench", progress=step, processes=True)
    store.close()
    report.put((_own_peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, steps))


def _own_peak_mb() -> float:
    """This process's peak resident memory since it started its program.

    Not ``ru_maxrss``: Linux carries the high-water mark of the process image
    replaced by ``exec`` into it, and a spawned process begins as a copy of
    this benchmark's parent, which holds a million generated records.
    """
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _resolve_in_a_fresh_process(folder: str, key: bytes) -> tuple[float, float, list[tuple[str, float]]]:
    """Batch resolution as ``cdp resolve`` runs it (with its worker processes), in a process of its
    own, so that its peak memory is its own and not this benchmark's generated data. Returns that
    peak and its workers' peak in MB, and the time of each step. The key travels through a pipe,
    never as an argument."""
    context = multiprocessing.get_context("spawn")
    report = context.Queue()
    child = context.Process(target=_resolve, args=(folder, key, report))
    child.start()
    result = report.get()
    child.join()
    return result


def _pairwise(together: Counter, per_profile: Counter, per_person: Counter) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of the batch run, from record counts per profile and person."""

    def pairs(counts: Counter) -> int:
        return sum(count * (count - 1) // 2 for count in counts.values())

    right, made, true = pairs(together), pairs(per_profile), pairs(per_person)
    precision, recall = right / made if made else 1.0, right / true if true else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    records, truth = generate(args.records, args.seed, "messy")
    rows = [(record["source"], importable(record)[0], person) for record, person in zip(records, truth, strict=True)]
    rows = [(source, fields, person) for source, fields, person in rows if len(fields) > 1]
    held, kept = rows[: args.new], rows[args.new :]
    key = os.urandom(32)
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Paths(Path(folder)), MasterKey(raw=key))
        started = time.perf_counter()
        by_source: dict[str, list[dict]] = {}
        for source, fields, _ in kept:
            by_source.setdefault(source, []).append(fields)
        for source, fields in by_source.items():
            import_data(store, f"{source}.jsonl", _jsonl(fields), source, processes=True)
        imported = time.perf_counter()
        store.close()
        resolve_peak_mb, workers_peak_mb, steps = _resolve_in_a_fresh_process(folder, key)
        resolved = time.perf_counter()
        store = open_store(Paths(Path(folder)), MasterKey(raw=key))
        person_of = {(source, fields["id"]): person for source, fields, person in kept}
        profile_people: dict[int, set[int]] = {}
        together, per_profile, per_person = Counter(), Counter(), Counter()
        with store.read() as tx:
            exported = identity_store.export_links(tx, store.personal)
        for source, record_id, profile_id in exported:
            person = person_of[(source, record_id)]
            profile_people.setdefault(profile_id, set()).add(person)
            together[(profile_id, person)] += 1
            per_profile[profile_id] += 1
            per_person[person] += 1
        batch_quality = _pairwise(together, per_profile, per_person)
        timings, right, alone_right, has_duplicate = [], 0, 0, 0
        for number, (source, fields, person) in enumerate(held):
            result = import_data(store, f"new{number}.jsonl", _jsonl([fields]), f"{source}-new", actor="bench")
            began = time.perf_counter()
            resolve_new(store, result.new_record_ids, actor="bench")
            timings.append((time.perf_counter() - began) * 1000)
            with store.read() as tx:
                profile_id = profile_of_record(tx, result.new_record_ids[0])
                others = records_of_profiles(tx, [profile_id])
            known = any(person in people for people in profile_people.values())
            has_duplicate += known
            if known:
                right += len(others) > 1 and person in profile_people.get(profile_id, set())
            else:
                alone_right += len(others) == 1
        store.close()
    timings.sort()
    print(f"Incremental resolution against {len(kept):,} records ({args.records:,} generated, messy), {len(held)} new")
    print(f"import {imported - started:.0f} s, batch resolve {resolved - imported:.0f} s "
          f"(its own process: peak {resolve_peak_mb:.0f} MB, its workers' peak {workers_peak_mb:.0f} MB each), "
          f"this process's peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    print("batch steps: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps))
    print("batch quality (pairwise): precision {:.3f}, recall {:.3f}, F1 {:.3f}".format(*batch_quality))
    p95, p99 = timings[int(len(timings) * 0.95)], timings[int(len(timings) * 0.99)]
    print(f"resolve_new per record: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")
    print(f"joined to a true duplicate: {right}/{has_duplicate}; kept alone with none in the store: "
          f"{alone_right}/{len(held) - has_duplicate}")  # fmt: skip


if __name__ == "__main__":
    main()
