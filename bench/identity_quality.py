"""Identity resolution quality and speed of Kundenbild itself, on the peers' data.

The records of ``bench/identity_data.py`` go through Kundenbild's real path:
``import_data`` (JSON Lines per source, into an encrypted store), then
``identity.resolve.resolve_all``, then ``identity.store.export_links``; the
exported profile ids are scored against the truth as pairwise precision,
recall and F1, exactly as ``bench/identity_peers.py`` scores Splink and
recordlinkage. Values the importer would reject (an OCR error can make a
phone number impossible) are blanked first, since imports are all or
nothing; how many is printed.

    python bench/identity_quality.py --records 20000 --profile messy --seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_data import generate, score

from cdp.config import Paths
from cdp.errors import InvalidValue
from cdp.ingest.fields import normalise_contact
from cdp.ingest.pipeline import import_data
from cdp.store.database import create_store
from cdp.store.keys import MasterKey
from identity import store as identity_store
from identity.resolve import resolve_all

CONTACT_KEYS = ("first_name", "last_name", "birth_date", "email", "phone", "street", "house_number", "postcode",
                "city", "x", "instagram", "facebook", "xing", "linkedin", "customer_number")  # fmt: skip


def importable(record: dict) -> tuple[dict, int]:
    """The record's contact fields with every value the importer refuses blanked."""
    fields = {key: record[key] for key in CONTACT_KEYS if record.get(key)}
    blanked = 0
    while fields:
        try:
            normalise_contact(fields, "DE")
            break
        except InvalidValue as error:
            if error.field not in fields:
                fields = {}
                break
            del fields[error.field]
            blanked += 1
    return {"id": record["record_id"], **fields}, blanked


def run(records: list[dict], truth: list[int]) -> dict:
    by_source: dict[str, list[dict]] = {}
    blanked = 0
    kept: list[tuple[dict, int]] = []
    for record, person in zip(records, truth, strict=True):
        fields, lost = importable(record)
        blanked += lost
        if len(fields) > 1:
            by_source.setdefault(record["source"], []).append(fields)
            kept.append((record, person))
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Paths(Path(folder)), MasterKey(raw=os.urandom(32)))
        started = time.perf_counter()
        for source, rows in by_source.items():
            data = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()
            import_data(store, f"{source}.jsonl", data, source, processes=True)
        imported = time.perf_counter()
        resolve_all(store, actor="bench", processes=True)
        resolved = time.perf_counter()
        with store.read() as tx:
            exported = identity_store.export_links(tx, store.personal)
        profile_of = {(source, record_id): profile for source, record_id, profile in exported}
        store.close()
    labels = [profile_of[(record["source"], record["record_id"])] for record, _ in kept]
    return {
        **score(labels, [person for _, person in kept]),
        "dropped": len(records) - len(kept),
        "import_s": imported - started,
        "resolve_s": resolved - imported,
        "blanked": blanked,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--profile", default="messy", choices=["clean", "messy", "households"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    records, truth = generate(args.records, args.seed, args.profile)
    figures = run(records, truth)
    print(f"Kundenbild identity resolution, {args.records:,} records, profile {args.profile}, seed {args.seed}")
    print(
        f"precision {figures['precision']:.4f}  recall {figures['recall']:.4f}  F1 {figures['f1']:.4f}  "
        f"predicted pairs {figures['predicted_pairs']:,}  true pairs {figures['true_pairs']:,}"
    )
    print(
        f"import {figures['import_s']:.1f} s, resolve {figures['resolve_s']:.1f} s, peak {figures['peak_mb']:.0f} MB, "
        f"values blanked before import: {figures['blanked']:,}, records left out: {figures['dropped']:,}"
    )


if __name__ == "__main__":
    main()
