"""Peer baselines for identity resolution, measured on the records of ``bench/identity_data.py``.

What is measured: for each peer, pairwise precision, recall and F1 of the links its clusters imply
against the generated truth, wall time of the resolution (data generation excluded), and peak resident
memory (``ru_maxrss`` of a child process that runs only that peer; it includes the generated records,
shown separately as "data MB"). Every peer runs in its own fresh process on exactly the same records
(regenerated there from the same size, profile and seed). Timings are reported, never asserted.

Peers:

* ``splink``: Splink 5 on DuckDB, in memory, set up like Splink's documented deduplication example
  (``splink_datasets.fake_1000``): NameComparison on first and last name, DateOfBirthComparison,
  ExactMatch on city with term frequencies, EmailComparison; u by random sampling, m by EM on two blocking
  rules; predict, then connected components at match probability 0.95. DuckDB gets ``temp_directory = ''``
  (it may not spill to disk, so no plaintext temp files) and a memory limit.
* ``recordlinkage``: recordlinkage 0.16, union of blocks on last name, postcode and birth date,
  Jaro-Winkler (≥ 0.85) and exact features, ECMClassifier, connected components of the predicted links.

Run::

    .venv/bin/python bench/identity_peers.py --records 20000 --profile messy --seed 1
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import identity_data

Labels = list[int]
PEERS = ("splink", "recordlinkage")


def _dataframe(records: list[dict], tidy: bool, renames: dict[str, str] | None = None) -> Any:
    """The records as a pandas DataFrame, one row per record in order, empty strings as missing.

    With ``tidy`` every text is trimmed and lower-cased first: the basic preparation both libraries'
    documentation asks for, and nothing more (no umlaut folding, nickname or phone handling).
    """
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=identity_data.FIELDS)
    if tidy:
        for column in identity_data.FIELDS[2:]:
            frame[column] = frame[column].str.strip().str.lower()
    frame = frame.replace("", None)
    return frame.rename(columns=renames or {})


def _labels_from_pairs(n_records: int, left: Any, right: Any) -> Labels:
    """Connected components of the links ``left[i]`` – ``right[i]`` (record indices), as labels."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_records, n_records))
    _, labels = connected_components(graph, directed=False)
    return labels.tolist()


# Splink.


def splink_settings() -> Any:
    """Splink's documented people-deduplication settings, on this harness's column names."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def run_splink(records: list[dict], seed: int, memory_limit: str, tidy: bool) -> Labels:
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    frame = _dataframe(records, tidy, {"record_id": "unique_id", "last_name": "surname", "birth_date": "dob"})
    connection = duckdb.connect(":memory:", config={"temp_directory": "", "memory_limit": memory_limit})
    db_api = DuckDBAPI(connection)
    linker = Linker(db_api.register(frame, dataset_display_name="records"), splink_settings(),
                    log_level=logging.WARNING)  # fmt: skip
    linker.training.estimate_probability_two_random_records_match([block_on("first_name", "surname")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    cluster_of = dict(connection.sql(f"select unique_id, cluster_id from {clusters.physical_name}").fetchall())
    numbers: dict[str, int] = {}
    return [numbers.setdefault(cluster_of.get(record["record_id"], record["record_id"]), len(numbers))
            for record in records]  # fmt: skip


# recordlinkage.


def run_recordlinkage(records: list[dict], seed: int, memory_limit: str, tidy: bool) -> Labels:
    import recordlinkage

    frame = _dataframe(records, tidy)
    indexer = recordlinkage.Index()
    indexer.block("last_name")
    indexer.block("postcode")
    indexer.block("birth_date")
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare(n_jobs=1)
    for column in ("first_name", "last_name", "street"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in ("birth_date", "postcode", "city", "email", "phone"):
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, frame)
    matches = recordlinkage.ECMClassifier(binarize=None).fit_predict(features)
    return _labels_from_pairs(len(records), matches.get_level_values(0), matches.get_level_values(1))


RUNNERS: dict[str, Callable[[list[dict], int, str, bool], Labels]] = {
    "splink": run_splink,
    "recordlinkage": run_recordlinkage,
}


# Running each peer in its own process.


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(peer: str, n_records: int, profile: str, seed: int, memory_limit: str, tidy: bool) -> dict[str, Any]:
    """Generate the records, run ``peer`` on them and score it (in the calling process)."""
    records, truth = identity_data.generate(n_records, seed, profile)
    data_mb = _peak_mb()
    started = time.perf_counter()
    labels = RUNNERS[peer](records, seed, memory_limit, tidy)
    seconds = time.perf_counter() - started
    return identity_data.score(labels, truth) | {"seconds": seconds, "peak_mb": _peak_mb(), "data_mb": data_mb}


def _child(queue: Any, *args: Any) -> None:
    try:
        queue.put(measure(*args))
    except Exception as error:  # report any failure instead of hanging the parent
        queue.put({"error": f"{type(error).__name__}: {error}"})


def run_isolated(peer: str, args: argparse.Namespace) -> dict[str, Any]:
    """``measure`` in a fresh child process, stopped after ``args.timeout`` seconds."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, peer, args.records, args.profile, args.seed,
                                                   args.memory_limit, not args.raw))  # fmt: skip
    process.start()
    try:
        return queue.get(timeout=args.timeout)
    except Exception:
        return {"error": f"no result within {args.timeout} s; stopped"}
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def table(rows: list[tuple[str, dict[str, Any]]], args: argparse.Namespace) -> str:
    header = f"{'peer':<14}{'precision':>10}{'recall':>8}{'F1':>8}{'pred. pairs':>13}{'true pairs':>12}"
    header += f"{'time s':>9}{'peak MB':>9}{'data MB':>9}"
    prepared = "raw values" if args.raw else "values trimmed and lower-cased"
    title = f"{args.records:,} records, profile {args.profile}, seed {args.seed}, {prepared}"
    lines = [title, header, "-" * len(header)]
    for peer, result in rows:
        if "error" in result:
            lines.append(f"{peer:<14}{result['error']}")
            continue
        lines.append(
            f"{peer:<14}{result['precision']:>10.4f}{result['recall']:>8.4f}{result['f1']:>8.4f}"
            f"{result['predicted_pairs']:>13,}{result['true_pairs']:>12,}{result['seconds']:>9.1f}"
            f"{result['peak_mb']:>9.0f}{result['data_mb']:>9.0f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the identity-resolution peer baselines and score them.")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--profile", choices=sorted(identity_data.PROFILES), default="messy")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a peer is stopped")
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB memory_limit (it never spills to disk)")
    parser.add_argument("--raw", action="store_true", help="give the peers the values as exported (no trim/lower)")
    args = parser.parse_args()
    rows = []
    for peer in args.peers:
        rows.append((peer, run_isolated(peer, args)))
        print(f"{peer} done", file=sys.stderr, flush=True)
    print(table(rows, args))


if __name__ == "__main__":
    main()
