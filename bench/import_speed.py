"""Import throughput: contact rows per second into the encrypted store vs plain SQLite.

Both runs import the same generated file from disk the way ``cdp import``
does (``cdp.ingest.pipeline.import_file``: files over 16 MB are read, checked
and written in chunks; smaller ones whole); the only difference is whether
the store and vault files are SQLCipher-encrypted. Each run is a fresh child
process, so peak memory (max RSS) is its own; the normalising workers' memory
is not in it.
A third figure isolates the per-person field encryption: the time spent
sealing one payload per row with AES-GCM.

    python bench/import_speed.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cdp.config import Paths
from cdp.ingest.pipeline import import_file
from cdp.store.database import create_store, lay_out
from cdp.store.engine import plain_engine
from cdp.store.keys import MasterKey

FIRST = ["Max", "Anna", "Jürgen", "Zoë", "Lukas", "Sophie", "Hans", "Katharina", "William", "Emily", "Özlem", "Jens"]
LAST = ["Müller", "Schmidt", "Weiß", "Schneider", "Fischer", "Meyer", "Smith", "Jones", "Brown", "Groß", "Becker"]
CITIES = [("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln"), ("04109", "Leipzig")]


def contact_lines(rows: int, seed: int = 1):
    """The lines of a web-shop style export with ``rows`` contacts, German headers."""
    rng = random.Random(seed)
    yield "Kundennummer;Vorname;Nachname;E-Mail;Telefon;Straße;Hausnummer;PLZ;Ort;Geburtsdatum\n"
    for number in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        postcode, city = rng.choice(CITIES)
        yield (
            f"K{number};{first};{last};{first.lower()}.{number}@example.com;0171 {rng.randint(1000000, 9999999)};"
            f"Hauptstraße;{rng.randint(1, 200)};{postcode};{city};"
            f"{rng.randint(1, 28):02}.{rng.randint(1, 12):02}.{rng.randint(1940, 2005)}\n"
        )


def contact_csv(rows: int, seed: int = 1) -> bytes:
    """The whole export as bytes (for smaller runs and the other benches)."""
    return "".join(contact_lines(rows, seed)).encode()


def run_child(mode: str, rows: int) -> dict:
    """Run one import in a child process and return its figures."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--rows", str(rows)], capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)


def child(mode: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "contacts.csv"
        with export.open("w", encoding="utf-8") as file:
            file.writelines(contact_lines(rows))
        paths = Paths(Path(folder) / "data")
        paths.data_dir.mkdir()
        if mode == "encrypted":
            store = create_store(paths, MasterKey(raw=os.urandom(32)))
        else:
            store = lay_out(plain_engine(paths.store), plain_engine(paths.vault))
        started = time.perf_counter()
        overrides = {"Kundennummer": "source_record_id"}
        result = import_file(store, export, "webshop", overrides=overrides)
        elapsed = time.perf_counter() - started
        store.close()
        size = paths.store.stat().st_size + paths.vault.stat().st_size
    assert result.created == rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "rows_per_s": rows / elapsed, "peak_mb": peak_mb, "file_mb": size / 2**20}))


def sealing_cost(rows: int) -> float:
    """Microseconds per row spent sealing a typical payload with AES-GCM."""
    payload = json.dumps({"fields": {"first_name": "Jürgen", "last_name": "Müller", "email": "j@example.com"}}).encode()
    cipher = AESGCM(AESGCM.generate_key(256))
    started = time.perf_counter()
    for number in range(rows):
        cipher.encrypt(os.urandom(12), payload, f"source_record:payload:{number}".encode())
    return (time.perf_counter() - started) / rows * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", choices=["encrypted", "plain"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    encrypted = run_child("encrypted", args.rows)
    plain = run_child("plain", args.rows)
    print(f"Import of {args.rows:,} contact rows (CSV file, German headers, email + phone + birth date each)")
    print(f"{'store':<22}{'rows/s':>10}{'seconds':>10}{'peak MB':>10}{'files MB':>10}")
    for name, figures in (("SQLCipher (product)", encrypted), ("plain SQLite", plain)):
        print(
            f"{name:<22}{figures['rows_per_s']:>10,.0f}{figures['seconds']:>10.2f}"
            f"{figures['peak_mb']:>10.0f}{figures['file_mb']:>10.1f}"
        )
    print(f"encrypted / plain time: {encrypted['seconds'] / plain['seconds']:.2f}x")
    print(f"field-level AES-GCM sealing: {sealing_cost(args.rows):.2f} µs per row")


if __name__ == "__main__":
    main()
