"""Web latency: how fast a signed-in sales user sees profile pages and search results on a large store.

Measured: wall time per HTTP request as a client on the same machine sees it
(``time.perf_counter`` around request and full response body, keep-alive
connections), for two scenarios:

* profile page: ``GET /profiles/<random id>`` (golden record, sources, first
  timeline page, and the audit entry every read writes);
* search: ``GET /profiles?q=...`` with ``HX-Request: true`` (the results
  fragment htmx swaps in), half 3–6 letter prefixes of a known last name,
  half full names.

How: a store with N profiles and M purchases is built in a temporary folder
(CSV bytes generated in memory, imported through ``cdp.ingest.pipeline.import_data``),
or reused (``--reuse DIR``), or made by ``cdp demo`` (``--demo``). A sales
user is added and ``cdp serve`` runs on 127.0.0.1 with CDP_THREADS=8
(``--server-threads``). A second process drives the load: a few client
threads, each signed in once through the real form (CSRF token included),
share a fixed number of requests per scenario and stop after a time limit
whatever happens. Printed: per scenario the request count, median, p95 and
p99 latency, requests per second and errors; the server's memory (RSS) and
CPU time, and the size of the store files. Nothing is asserted.

    python bench/web_latency.py [--profiles 100000 --interactions 2000000]
    python bench/web_latency.py --reuse /tmp/kb-bench-store   # builds there once, reuses it afterwards
    python bench/web_latency.py --demo
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing
import os
import queue
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from faker.providers.person.de_DE import Provider as GermanNames
from sqlalchemy import func, select

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.normalise import fold
from cdp.profiles import unified as profiles
from cdp.staff.accounts import AccountError, add_user
from cdp.store.database import Store, create_store, open_store
from cdp.store.keys import create_key_file, load_master_key
from cdp.store.schema import interaction, profile

HOST = "127.0.0.1"
USER = "bench-sales"
PASSWORD = "bench latency password"
CONTACT_CHUNK = 50_000
PURCHASE_CHUNK = 100_000
SAMPLED_NAMES = 500
FIRST_NAMES = sorted(random.Random(0).sample(sorted(set(GermanNames.first_names)), 300))
LAST_NAMES = sorted(set(GermanNames.last_names))
CITIES = [("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln"), ("04109", "Leipzig")]
PRODUCTS = ["Darjeeling First Flush", "Assam Broken", "Earl Grey", "Sencha", "Rooibos Vanille", "Pfefferminze"]
FIRST_ORDER_AT = datetime(2019, 1, 1)
ORDER_SPAN_MINUTES = 7 * 365 * 24 * 60


# --- building the store -------------------------------------------------------------------------------------------


def person_names(count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (first, last) pairs, all different while the name lists allow."""
    rng = random.Random(seed)
    combinations = range(len(FIRST_NAMES) * len(LAST_NAMES))
    picks = rng.sample(combinations, count) if count <= len(combinations) else rng.choices(combinations, k=count)
    return [(FIRST_NAMES[pick // len(LAST_NAMES)], LAST_NAMES[pick % len(LAST_NAMES)]) for pick in picks]


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name))


def contact_csv(numbers: range, names: list[tuple[str, str]], rng: random.Random) -> bytes:
    """A web-shop customer export (German headers) for the customers ``K<number>``."""
    lines = ["Kundennummer;Vorname;Nachname;E-Mail;Telefon;PLZ;Ort;Geburtsdatum"]
    for number in numbers:
        first, last = names[number]
        postcode, city = rng.choice(CITIES)
        lines.append(
            f"K{number};{first};{last};{_ascii(first)}.{_ascii(last)}.{number}@example.com;0171 {1_000_000 + number};"
            f"{postcode};{city};{rng.randint(1, 28):02}.{rng.randint(1, 12):02}.{rng.randint(1940, 2005)}"
        )
    return ("\n".join(lines) + "\n").encode()


def purchase_csv(orders: range, customers: range, rng: random.Random) -> bytes:
    """A web-shop order export: each order belongs to a random customer in ``customers``."""
    lines = ["Bestellnummer;Kundennummer;Datum;Betrag;Artikel;Menge"]
    for order in orders:
        moment = FIRST_ORDER_AT + timedelta(minutes=rng.randrange(ORDER_SPAN_MINUTES))
        cents = rng.randint(290, 25_000)
        lines.append(
            f"B{order};K{rng.choice(customers)};{moment:%Y-%m-%d %H:%M};{cents // 100},{cents % 100:02};"
            f"{rng.choice(PRODUCTS)};{rng.randint(1, 5)}"
        )
    return ("\n".join(lines) + "\n").encode()


def import_contacts(store: Store, count: int, seed: int) -> None:
    names, rng = person_names(count, seed), random.Random(seed + 1)
    started = time.perf_counter()
    for start in range(0, count, CONTACT_CHUNK):
        numbers = range(start, min(start + CONTACT_CHUNK, count))
        data = contact_csv(numbers, names, rng)
        import_data(store, "kunden.csv", data, "webshop", overrides={"Kundennummer": "source_record_id"}, actor="bench")
        _progress("contacts", numbers.stop, count, started)


def import_purchases(store: Store, contacts: int, count: int, seed: int) -> None:
    """Orders in chunks; each chunk covers its own slice of customers, as an export sorted by customer would."""
    rng = random.Random(seed + 2)
    chunks = math.ceil(count / PURCHASE_CHUNK)
    started = time.perf_counter()
    for chunk in range(chunks):
        orders = range(chunk * PURCHASE_CHUNK, min((chunk + 1) * PURCHASE_CHUNK, count))
        first = min(chunk * contacts // chunks, contacts - 1)
        customers = range(first, max(first + 1, (chunk + 1) * contacts // chunks))
        import_data(store, "bestellungen.csv", purchase_csv(orders, customers, rng), "webshop", kind="purchases")
        _progress("purchases", orders.stop, count, started)


def _progress(what: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(f"  {what}: {done:,}/{total:,} in {elapsed:.1f} s ({done / elapsed:,.0f} rows/s)", flush=True)


def build_store(folder: Path, contacts: int, purchases: int, seed: int) -> None:
    paths = Paths(folder)
    print(f"Building a store with {contacts:,} profiles and {purchases:,} purchases in {folder}", flush=True)
    started = time.perf_counter()
    store = create_store(paths, create_key_file(paths.key_file))
    try:
        import_contacts(store, contacts, seed)
        if purchases:
            import_purchases(store, contacts, purchases, seed)
    finally:
        store.close()
    print(f"Built in {time.perf_counter() - started:.1f} s", flush=True)


def cdp_command() -> list[str]:
    """The full ``cdp`` command (with ``serve``), run as a module as the e2e tests do.

    The module rather than the ``cdp`` script, which may come from an older
    editable install whose entry point lacks ``serve``.
    """
    return [sys.executable, "-m", "kundenbild.cli"]


def server_env(folder: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CDP_")}
    return env | {"CDP_DATA_DIR": str(folder)}


def demo_store(folder: Path) -> bool:
    """Fill ``folder`` with ``cdp demo``; False when this Kundenbild has no such command."""
    if subprocess.run([*cdp_command(), "demo", "--help"], capture_output=True).returncode != 0:
        print("Skipping --demo: this Kundenbild has no 'cdp demo' command yet.")
        return False
    started = time.perf_counter()
    subprocess.run([*cdp_command(), "demo"], env=server_env(folder), check=True, stdout=subprocess.DEVNULL)
    print(f"Built the demo store with 'cdp demo' in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def prepare_store(args: argparse.Namespace, scratch: Path) -> Path | None:
    """The folder of the store to measure, built or reused as the arguments ask."""
    if args.demo:
        return scratch / "data" if demo_store(scratch / "data") else None
    folder = args.reuse or scratch / "data"
    if Paths(folder).store.exists():
        print(f"Reusing the store in {folder} (--profiles and --interactions are ignored)")
    else:
        build_store(folder, args.profiles, args.interactions, args.seed)
    return folder


# --- what to ask for ----------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    headers: dict[str, str]
    requests: list[tuple[str, str]]  # (label, path)


@dataclass
class Plan:
    port: int
    scenarios: list[Scenario]
    clients: int
    time_limit: float


def survey(folder: Path, seed: int) -> tuple[list[int], list[tuple[str, str]]]:
    """Add the bench user; return every profile id and the names of a sample of profiles."""
    paths = Paths(folder)
    store = open_store(paths, load_master_key(paths, environ={}))
    try:
        with suppress(AccountError):  # added by an earlier run on this store
            add_user(store, USER, "sales", PASSWORD, actor="bench")
        with store.read() as connection:
            ids = list(connection.execute(select(profile.c.id).order_by(profile.c.id)).scalars())
            interactions = connection.execute(select(func.count()).select_from(interaction)).scalar_one()
        print(f"Store: {len(ids):,} profiles, {interactions:,} interactions")
        sample = random.Random(seed).sample(ids, min(SAMPLED_NAMES, len(ids)))
        loaded = [profiles.load(store, profile_id) for profile_id in sample]
    finally:
        store.close()
    names = [(found.value("first_name") or "", found.value("last_name") or "") for found in loaded]
    return ids, [(first, last) for first, last in names if len(last) >= 3]


def search_request(rng: random.Random, names: list[tuple[str, str]]) -> tuple[str, str]:
    first, last = rng.choice(names)
    if rng.random() < 0.5:
        label, query = "prefix", last[: rng.randint(3, 6)]
    else:
        label, query = "full name", f"{first} {last}".strip()
    return label, "/profiles?q=" + quote(query)


def make_plan(port: int, ids: list[int], names: list[tuple[str, str]], args: argparse.Namespace) -> Plan:
    rng = random.Random(args.seed)
    pages = [("profile page", f"/profiles/{rng.choice(ids)}") for _ in range(args.requests)]
    searches = [search_request(rng, names) for _ in range(args.requests)]
    scenarios = [Scenario("profile page", {}, pages), Scenario("search fragment", {"HX-Request": "true"}, searches)]
    return Plan(port, scenarios, args.clients, args.time_limit)


# --- the load generator (runs in its own process) -----------------------------------------------------------------


class Client:
    """One keep-alive connection to 127.0.0.1 with its own cookie jar."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return response.status, text

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel.value and morsel["max-age"] != "0":
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)

    def sign_in(self) -> None:
        status, page = self.request("GET", "/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET /signin gave {status} without a CSRF token")
        form = urlencode({"name": USER, "password": PASSWORD, "csrf_token": token.group(1)})
        status, _ = self.request("POST", "/signin", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"signing in as {USER} gave {status}, not a redirect")

    def reset(self) -> None:
        self.connection.close()  # http.client reconnects on the next request


@dataclass
class Sample:
    label: str
    ms: float
    error: str | None


@dataclass
class Outcome:
    scenario: str
    seconds: float
    samples: list[Sample] = field(default_factory=list)


def timed_get(client: Client, path: str, headers: dict[str, str]) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        status, _ = client.request("GET", path, headers=headers)
        error = None if status == 200 else f"HTTP {status}"
    except (OSError, http.client.HTTPException) as problem:
        error = type(problem).__name__
        client.reset()
    return (time.perf_counter() - started) * 1000, error


def run_scenario(clients: list[Client], scenario: Scenario, time_limit: float) -> Outcome:
    """The clients share the scenario's requests until none are left or time is up."""
    work: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
    for item in scenario.requests:
        work.put(item)
    deadline = time.monotonic() + time_limit
    outcome = Outcome(scenario.name, 0.0)

    def drive(client: Client) -> None:
        while time.monotonic() < deadline:
            try:
                label, path = work.get_nowait()
            except queue.Empty:
                return
            ms, error = timed_get(client, path, scenario.headers)
            outcome.samples.append(Sample(label, ms, error))

    threads = [threading.Thread(target=drive, args=(client,)) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - started
    return outcome


def run_load(plan: Plan) -> list[Outcome]:
    """Sign every client in once, then run the scenarios one after the other."""
    clients = [Client(plan.port) for _ in range(plan.clients)]
    for client in clients:
        client.sign_in()
    return [run_scenario(clients, scenario, plan.time_limit) for scenario in plan.scenarios]


def load_in_child(plan: Plan) -> list[Outcome]:
    """``run_load`` in a second, spawned process (it inherits no open store); given up after its time limits."""
    budget = plan.time_limit * len(plan.scenarios) + 60
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply_async(run_load, (plan,)).get(timeout=budget)


# --- the server and the report ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cdp serve ended early:\n{log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("cdp serve did not accept connections within 60 s")


@contextmanager
def running_server(folder: Path, log: Path, threads: int) -> Iterator[tuple[int, subprocess.Popen]]:
    """``cdp serve`` on a free port of 127.0.0.1; yields (port, process)."""
    port = free_port()
    command = [*cdp_command(), "serve", "--host", HOST, "--port", str(port)]
    env = server_env(folder) | {"CDP_THREADS": str(threads)}
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for(port, process, log)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB; empty once it has ended."""
    figures: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0]) / 1024
    return figures


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report_row(name: str, samples: list[Sample], seconds: float | None) -> str:
    """One line of the table; latencies and the rate count successful requests only."""
    times = sorted(sample.ms for sample in samples if sample.error is None)
    errors = len(samples) - len(times)
    rate = f"{len(times) / seconds:>8.1f}" if seconds else f"{'-':>8}"
    if not times:
        return f"{name:<22}{len(samples):>9}{'-':>10}{'-':>9}{'-':>9}{rate}{errors:>8}"
    median, p95, p99 = (percentile(times, share) for share in (0.5, 0.95, 0.99))
    return f"{name:<22}{len(samples):>9}{median:>10.1f}{p95:>9.1f}{p99:>9.1f}{rate}{errors:>8}"


def report(outcomes: list[Outcome], plan: Plan) -> None:
    limit = f"{len(plan.scenarios[0].requests):,} requests or {plan.time_limit:.0f} s"
    print(f"\n{plan.clients} client threads, {limit} per scenario; latencies and req/s of successful requests")
    print(f"{'scenario':<22}{'requests':>9}{'median ms':>10}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'errors':>8}")
    for outcome in outcomes:
        print(report_row(outcome.scenario, outcome.samples, outcome.seconds))
        labels = sorted({sample.label for sample in outcome.samples} - {outcome.scenario})
        for label in labels:
            print(report_row(f"  {label}", [sample for sample in outcome.samples if sample.label == label], None))
        first_error = next((sample.error for sample in outcome.samples if sample.error), None)
        if first_error:
            print(f"  first error: {first_error}")


def report_files(folder: Path) -> None:
    sizes = {path.name: path.stat().st_size / 2**20 for path in sorted(folder.glob("*.db*"))}
    listed = ", ".join(f"{name} {size:,.1f}" for name, size in sizes.items())
    print(f"Store files (MiB): {listed}; total {sum(sizes.values()):,.1f}")


@dataclass
class ServerEnd:
    """The server right after the load: its exit code if it ended, else its memory and CPU time used."""

    exit_code: int | None
    memory: dict[str, float]
    cpu_seconds: float


def server_end(server: subprocess.Popen, cpu_before: float) -> ServerEnd:
    if server.poll() is not None:
        return ServerEnd(server.returncode, {}, 0.0)
    return ServerEnd(None, memory_mb(server.pid), cpu_seconds(server.pid) - cpu_before)


def report_server(end: ServerEnd, log: Path, served: int) -> None:
    """Memory and CPU time of the server, or how it ended; and what it logged as errors."""
    if end.exit_code is None:
        print(f"\nServer memory at the end: RSS {end.memory['VmRSS']:,.0f} MiB (peak {end.memory['VmHWM']:,.0f} MiB)")
        per_request = end.cpu_seconds / served * 1000
        print(f"Server CPU time during the load: {end.cpu_seconds:.1f} s ({per_request:.1f} ms per request)")
    else:
        print(f"\nThe server ENDED during the run (exit code {end.exit_code}).")
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if line.startswith(("ERROR", "Traceback", "Fatal"))]
    if errors:
        print(f"The server printed {len(errors)} error(s); the first: {errors[0]}")
        print("  last lines of its output:\n    " + "\n    ".join(lines[-6:]))


def measure(folder: Path, args: argparse.Namespace, scratch: Path) -> None:
    ids, names = survey(folder, args.seed)
    log = scratch / "serve.log"
    with running_server(folder, log, args.server_threads) as (port, server):
        rss = memory_mb(server.pid)["VmRSS"]
        print(f"cdp serve (CDP_THREADS={args.server_threads}) on http://{HOST}:{port}/, RSS at start {rss:,.0f} MiB")
        plan = make_plan(port, ids, names, args)
        cpu_before = cpu_seconds(server.pid)
        try:
            outcomes = load_in_child(plan)
        except Exception:
            report_server(server_end(server, cpu_before), log, 1)
            raise
        end = server_end(server, cpu_before)
    report(outcomes, plan)
    report_server(end, log, max(1, sum(len(outcome.samples) for outcome in outcomes)))
    report_files(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="contacts to import (one profile each)")
    parser.add_argument("--interactions", type=int, default=2_000_000, help="purchases to import")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="store folder: built there if empty, else reused")
    parser.add_argument("--demo", action="store_true", help="measure the small store 'cdp demo' makes")
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--server-threads", type=int, default=8, help="CDP_THREADS of the server")
    parser.add_argument("--time-limit", type=float, default=120, help="seconds per scenario at most")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as scratch:
        folder = prepare_store(args, Path(scratch))
        if folder is not None:
            measure(folder, args, Path(scratch))


if __name__ == "__main__":
    main()
