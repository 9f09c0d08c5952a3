"""Identity resolution on dirty data nobody here tuned to: Kundenbild next to its peers, on the same records.

Data (``--data``):

* ``febrl3``, ``febrl4``: the FEBRL benchmark files as published (``bench/febrl.py``), impossible birth
  dates and all; they reach Kundenbild as CSV files through its real, lenient import.
* ``linkage``, ``dedupe``, ``households``: ``bench/identity_shapes.py`` at ``--records`` records.

Systems, each in a fresh process of its own on exactly the same records, each scored as pairwise
precision, recall and F1 against the truth (``identity_data.score``):

* ``kundenbild``: an encrypted store, one CSV file per source through ``import_data`` (values as the
  file holds them; what cannot be read lands empty), then ``resolve_all`` with its worker processes
  and its one default configuration, as ``cdp import`` and ``cdp resolve`` run it.
* ``splink``: Splink's documented example settings (``bench/identity_peers.py``).
* ``splink_rich``: Splink with a rich comparison set, as its FEBRL examples build it: names with
  term-frequency adjustments, a date-of-birth comparison that treats invalid dates as missing,
  Jaro-Winkler on street and city, Damerau-Levenshtein on the postcode, the house number exactly;
  trained by random sampling and EM on two blocks.
* ``recordlinkage``: recordlinkage's ECM classifier (``bench/identity_peers.py``).

``splink_rich`` is told what Kundenbild is not: where the data are two files each without duplicates
(``linkage``, ``households``, ``febrl4``) it links the two files only (``link_only``); Kundenbild
deduplicates everything it holds, so a wrong join inside one file counts against it alone. Every
peer clusters at match probability 0.95, Kundenbild's join threshold. Timings are printed, never
asserted::

    .venv/bin/python bench/identity_dirty.py --data febrl4
    .venv/bin/python bench/identity_dirty.py --data dedupe --records 100000 --systems kundenbild splink_rich
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import febrl
import identity_peers
import identity_shapes
from identity_data import score

SYSTEMS = ("kundenbild", "splink", "splink_rich", "recordlinkage")
DATA = ("febrl3", "febrl4", *identity_shapes.SHAPES)
TWO_FILES = ("febrl4", "linkage", "households")
THRESHOLD = 0.95
COLUMNS = ("record_id", "first_name", "last_name", "birth_date", "street", "house_number", "postcode", "city")
# How a German office exports such a list: its own headers, semicolons.
HEADERS = ("ID", "Vorname", "Nachname", "Geburtsdatum", "Straße", "Hausnummer", "PLZ", "Ort")


def load(data: str, n_records: int, seed: int) -> tuple[list[dict], list[int]]:
    if data.startswith("febrl"):
        return febrl.load(data)
    return identity_shapes.generate(data, n_records, seed)


# Kundenbild, as cdp import and cdp resolve run it.


def _csv(rows: list[dict]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([row[name] for name in COLUMNS] for row in rows)
    return text.getvalue().encode("utf-8")


def run_kundenbild(records: list[dict], seed: int, link_only: bool) -> list:
    from cdp.config import Paths
    from cdp.ingest.pipeline import import_data
    from cdp.store.database import create_store
    from cdp.store.keys import MasterKey
    from identity import store as identity_store
    from identity.resolve import resolve_all

    by_source: dict[str, list[dict]] = {}
    for record in records:
        by_source.setdefault(record["source"], []).append(record)
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Paths(Path(folder)), MasterKey(raw=os.urandom(32)))
        for source, rows in sorted(by_source.items()):
            import_data(store, f"{source}.csv", _csv(rows), source, processes=True)
        resolve_all(store, actor="bench", processes=True)
        with store.read() as tx:
            links = identity_store.export_links(tx, store.personal)
        profile_of = {(source, record_id): profile for source, record_id, profile in links}
        store.close()
    return [profile_of.get((record["source"], record["record_id"]), f"left out {index}")
            for index, record in enumerate(records)]  # fmt: skip


# Splink with a rich comparison set.


def splink_rich_settings(link_only: bool, with_email: bool) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True),
        cl.JaroWinklerAtThresholds("street", [0.9, 0.8]).configure(term_frequency_adjustments=True),
        cl.ExactMatch("house_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("city", [0.9, 0.8]).configure(term_frequency_adjustments=True),
    ]
    blocking = [block_on("first_name", "surname"), block_on("surname", "dob"), block_on("first_name", "dob"),
                block_on("postcode", "house_number"), block_on("street", "city"), block_on("dob")]  # fmt: skip
    if with_email:
        comparisons.append(cl.EmailComparison("email"))
        blocking.append(block_on("email"))
    return SettingsCreator(
        link_type="link_only" if link_only else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )


def run_splink_rich(records: list[dict], seed: int, link_only: bool) -> list:
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    renames = {"record_id": "unique_id", "last_name": "surname", "birth_date": "dob"}
    frame = identity_peers._dataframe(records, tidy=True, renames=renames)
    connection = duckdb.connect(":memory:", config={"temp_directory": "", "memory_limit": "8GB"})
    db_api = DuckDBAPI(connection)
    with_email = bool(frame["email"].notna().any())
    if link_only:
        tables = [db_api.register(part.drop(columns="source"), dataset_display_name=name)
                  for name, part in frame.groupby("source")]  # fmt: skip
    else:
        tables = [db_api.register(frame, dataset_display_name="records")]
    linker = Linker(tables, splink_rich_settings(link_only, with_email), log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("postcode", "house_number", "dob")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, THRESHOLD)
    cluster_of = dict(connection.sql(f"select unique_id, cluster_id from {clusters.physical_name}").fetchall())
    return [cluster_of.get(record["record_id"], record["record_id"]) for record in records]


def run_splink(records: list[dict], seed: int, link_only: bool) -> list:
    return identity_peers.run_splink(records, seed, "8GB", True)


def run_recordlinkage(records: list[dict], seed: int, link_only: bool) -> list:
    return identity_peers.run_recordlinkage(records, seed, "8GB", True)


RUNNERS = {"kundenbild": run_kundenbild, "splink": run_splink, "splink_rich": run_splink_rich,
           "recordlinkage": run_recordlinkage}  # fmt: skip


# Each system in a process of its own.


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def measure(system: str, data: str, n_records: int, seed: int) -> dict[str, Any]:
    records, truth = load(data, n_records, seed)
    data_mb = _peak_mb()
    started = time.perf_counter()
    labels = RUNNERS[system](records, seed, data in TWO_FILES)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return score(labels, truth) | {"seconds": seconds, "peak_mb": max(_peak_mb(), children), "data_mb": data_mb,
                                   "records": len(records)}  # fmt: skip


def _child(queue: Any, memory_gb: float, *args: Any) -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)  # its notes on levels email-less data never trains
    limit = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a system that needs more fails alone, not the machine
    try:
        queue.put(measure(*args))
    except Exception as error:  # report any failure (MemoryError too) instead of hanging the parent
        queue.put({"error": f"{type(error).__name__}: {error}"[:200]})


def run_isolated(system: str, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, args.memory_gb, system, args.data, args.records, args.seed))
    process.start()
    try:
        return queue.get(timeout=args.timeout)
    except Exception:
        return {"error": f"no result within {args.timeout:.0f} s; stopped"}
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def table(rows: list[tuple[str, dict[str, Any]]], args: argparse.Namespace) -> str:
    size = next((result["records"] for _, result in rows if "records" in result), args.records)
    how = "two files, peers link only" if args.data in TWO_FILES else "one file, dedupe"
    header = f"{'system':<15}{'precision':>10}{'recall':>8}{'F1':>8}{'pred. pairs':>13}{'true pairs':>12}"
    header += f"{'time s':>9}{'peak MB':>9}"
    lines = [f"{args.data}: {size:,} records ({how}), seed {args.seed}, clusters at {THRESHOLD}", header,
             "-" * len(header)]  # fmt: skip
    for system, result in rows:
        if "error" in result:
            lines.append(f"{system:<15}{result['error']}")
            continue
        lines.append(
            f"{system:<15}{result['precision']:>10.4f}{result['recall']:>8.4f}{result['f1']:>8.4f}"
            f"{result['predicted_pairs']:>13,}{result['true_pairs']:>12,}{result['seconds']:>9.1f}"
            f"{result['peak_mb']:>9.0f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=DATA, default="febrl4")
    parser.add_argument("--records", type=int, default=5_000, help="records of a generated shape (not FEBRL)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a system is stopped")
    parser.add_argument("--memory-gb", type=float, default=16, help="address space each system may take")
    args = parser.parse_args()
    rows = []
    for system in args.systems:
        rows.append((system, run_isolated(system, args)))
        print(f"{system} done", file=sys.stderr, flush=True)
    print(table(rows, args))


if __name__ == "__main__":
    main()
