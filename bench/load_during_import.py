"""Load while a large import runs: do requests fail, or wait, while the import holds the write lock?

A store with a few thousand profiles is built; ``cdp serve`` runs on
127.0.0.1; a second process drives ``--clients`` signed-in sales users, each
on its own keep-alive connection, who open profile pages, search, and save a
du/Sie choice (a write that must not be lost) in a loop, for ``--seconds``.
The same load runs twice: first with nothing else going on (the baseline),
then while ``cdp import`` brings in ``--rows`` new contacts (which holds the
write lock for its inserts and then resolves identities in a batch run).

Printed per run and per kind of request: count, errors (HTTP 5xx, refused
connections), median, p95, p99 and the slowest; the writes acknowledged and
how many of them are in the store afterwards; the import's own time. Nothing
is asserted: the figures are for the note, not a test.

    python bench/load_during_import.py [--rows 100000 --clients 30 --seconds 30]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_latency import (
    Client,
    build_store,
    cdp_command,
    contact_csv,
    percentile,
    person_names,
    running_server,
    server_env,
    survey,
)

from cdp.config import Paths, setting
from cdp.profiles import unified as profiles
from cdp.store.database import open_store
from cdp.store.keys import load_master_key

KINDS = ("profile page", "search", "save du/Sie")


@dataclass
class Load:
    port: int
    clients: int
    seconds: float
    ids: list[int]
    names: list[tuple[str, str]]
    seed: int


@dataclass
class Result:
    samples: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    saved: dict[int, str] = field(default_factory=dict)  # profile id -> the address form last acknowledged


def drive(load: Load) -> Result:
    """Every client signed in, then the mix of requests until time is up (runs in its own process)."""
    result, guard = Result(), threading.Lock()
    clients = [Client(load.port) for _ in range(load.clients)]
    for client in clients:
        client.sign_in()
    deadline = time.monotonic() + load.seconds
    # Each client writes only its own profiles, so that the last acknowledged value is known.
    mine = [load.ids[number :: load.clients] for number in range(load.clients)]

    def one(number: int, client: Client) -> None:
        rng = random.Random(load.seed + number)
        while time.monotonic() < deadline:
            kind = rng.choices(KINDS, weights=(6, 3, 1))[0]
            started = time.perf_counter()
            form = None
            try:
                if kind == "profile page":
                    status, _ = client.request("GET", f"/profiles/{rng.choice(load.ids)}")
                elif kind == "search":
                    _, last = rng.choice(load.names)
                    status, _ = client.request("GET", "/profiles?q=" + quote(last[:4]), headers={"HX-Request": "true"})
                else:
                    target = rng.choice(mine[number])
                    form = (target, rng.choice(("du", "Sie")))
                    status = save_address_form(client, *form)
                # A page view may answer 404 (a profile joined away meanwhile); a write must succeed.
                ok = status == 200 if form is not None else status < 500
                error = None if ok else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as problem:
                error = type(problem).__name__
                client.reset()
            elapsed = (time.perf_counter() - started) * 1000
            with guard:
                (result.errors[kind] if error else result.samples[kind]).append(error or elapsed)
                if form is not None and error is None:
                    result.saved[form[0]] = form[1]

    threads = [threading.Thread(target=one, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def save_address_form(client: Client, profile_id: int, form: str) -> int:
    status, page = client.request("GET", f"/profiles/{profile_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if status != 200 or token is None:
        return status
    body = urlencode({"address_form": form, "csrf_token": token.group(1)})
    status, _ = client.request(
        "POST", f"/profiles/{profile_id}/salutation", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    return 200 if status in (200, 302) else status


def drive_in_child(load: Load) -> Result:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply_async(drive, (load,)).get(timeout=load.seconds + 300)


def lost_writes(folder: Path, saved: dict[int, str]) -> int:
    """How many acknowledged du/Sie choices are not what the store holds now."""
    paths = Paths(folder)
    store = open_store(paths, load_master_key(paths, environ={}))
    try:
        return sum(profiles.load(store, profile_id).address_form != form for profile_id, form in saved.items())
    finally:
        store.close()


def report(title: str, result: Result, seconds: float, lost: int) -> None:
    print(f"\n{title}")
    print(
        f"{'request':<14}{'count':>8}{'errors':>8}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'per s':>8}"
    )
    for kind in KINDS:
        times = sorted(result.samples[kind])
        errors = len(result.errors[kind])
        if times:
            print(
                f"{kind:<14}{len(times) + errors:>8}{errors:>8}{percentile(times, 0.5):>11.1f}"
                f"{percentile(times, 0.95):>9.1f}{percentile(times, 0.99):>9.1f}{times[-1]:>9.1f}"
                f"{len(times) / seconds:>8.1f}"
            )
        else:
            print(f"{kind:<14}{errors:>8}{errors:>8}")
        if errors:
            print(f"  errors: {sorted(set(result.errors[kind]))}")
    print(f"writes acknowledged: {len(result.saved)}, lost: {lost}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="contacts in the import that runs under load")
    parser.add_argument("--profiles", type=int, default=5_000, help="profiles in the store before the import")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--server-threads", type=int, default=None, help="CDP_THREADS of the server (default its own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-load-") as scratch:
        folder = Path(scratch) / "data"
        build_store(folder, args.profiles, 0, args.seed)
        ids, names = survey(folder, args.seed)
        new_file = Path(scratch) / "neu.csv"
        numbers = range(args.profiles, args.profiles + args.rows)
        names_all = person_names(args.profiles + args.rows, args.seed)
        new_file.write_bytes(contact_csv(numbers, names_all, random.Random(args.seed + 2)))
        threads = args.server_threads or int(setting("CDP_THREADS") or 8)
        with running_server(folder, Path(scratch) / "serve.log", threads=threads) as (port, _server):
            load = Load(port, args.clients, args.seconds, ids, names, args.seed)
            started = time.perf_counter()
            quiet = drive_in_child(load)
            quiet_seconds = time.perf_counter() - started
            report(f"Baseline: {args.clients} clients for {args.seconds:.0f} s, nothing else running",
                   quiet, quiet_seconds, lost_writes(folder, quiet.saved))  # fmt: skip
            command = [*cdp_command(), "import", str(new_file), "--source", "webshop", "--map",
                       "Kundennummer=source_record_id"]  # fmt: skip
            import_started = time.perf_counter()
            importer = subprocess.Popen(command, env=server_env(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1)
            started = time.perf_counter()
            busy = drive_in_child(load)
            under_load = time.perf_counter() - started
            out, err = importer.stdout.read(), importer.stderr.read()
            _, status, usage = os.wait4(importer.pid, 0)
            importer.returncode = os.waitstatus_to_exitcode(status)
            imported = time.perf_counter() - import_started
        lost = lost_writes(folder, busy.saved)
        report(
            f"During the import of {args.rows:,} contacts: {args.clients} clients for {args.seconds:.0f} s",
            busy, under_load, lost,
        )  # fmt: skip
        print(
            f"\nThe import (with identity resolution after it) took {imported:.1f} s, peak memory "
            f"{usage.ru_maxrss / 1024:,.0f} MiB (exit {importer.returncode}): {out.decode().strip()}"
        )
        if err.strip():
            print(f"  its messages: {err.decode().strip()[:400]}")


if __name__ == "__main__":
    main()
