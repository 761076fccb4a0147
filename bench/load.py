#!/usr/bin/python3
"""Load and fault run of several `spar serve` nodes on one database (loopback only).

    bench/load.py --spar .build/release/spar --dir bench/load-out [--database postgres://…]
                  [--sites 100 --units-per-site 50 --days 365 --events 2000000]
                  [--nodes 3] [--clients 50] [--duration 600] [--faults] [--pg-restart "CMD"]

1. Preloads a synthetic enterprise (`spar bench --ingest-only`: sites × units, a year of events) into
   DIR/bench.sqlite, unless that file exists. With --database the nodes serve that database instead (it must hold
   the same ledger, e.g. copied with `spar migrate`).
2. Starts --nodes `spar serve` processes on free loopback ports.
3. Runs --clients threads for --duration seconds, each mixing dashboard pages (`GET /scope/<site>`), KPI queries
   (`GET /api/kpi`, random scope × window, one in four a shift) and 1,000-event `POST /api/events` batches (counts on
   random units, ids unique to the run), spreading requests over the live nodes; a request to a node that went away
   is retried on another one (as a load balancer would), and counted as an error only when every node failed.
4. A probe posts one event every half second on the first node to a unit no client touches, and a subscriber of the
   last node's `/api/stream` times how long until that node announces it: the replication latency.
5. With --faults: at 30 % of the run the first node is killed with SIGKILL and restarted 5 s later; at 50 % the
   --pg-restart command runs (PostgreSQL restarted under the nodes); the last node starts only at 60 % and must
   catch up (its event count equals the others' at the end).
6. Afterwards every acknowledged event must be in the ledger exactly once (ids are unique in the ledger; the script
   checks each acknowledged id is there), and `spar verify` must pass.

Prints a table and writes DIR/load-report.json. Exits non-zero when an acknowledged event is missing, a request
failed on every node, or `spar verify` failed.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

LOOPBACK = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def percentile(xs, p):
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


class Node:
    def __init__(self, args, index, log_dir):
        self.args, self.index, self.port, self.proc = args, index, free_port(), None
        self.log = os.path.join(log_dir, f"node-{index}.log")

    def start(self):
        db = ["--database", self.args.database, "--key", self.args.key] if self.args.database else ["--db", self.args.db]
        self.proc = subprocess.Popen(
            [self.args.spar, "serve", *db, "--host", LOOPBACK, "--port", str(self.port)],
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"node {self.index} exited with {self.proc.returncode}; see {self.log}")
            try:
                c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"node {self.index} did not answer /health in 120 s; see {self.log}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def health(self):
        c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        c.request("GET", "/health")
        return json.loads(c.getresponse().read())


class Run:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.latencies = {"page": [], "kpi": [], "post": []}
        self.errors = {"page": 0, "kpi": 0, "post": 0}
        self.statuses = {}
        self.retries = 0
        self.acknowledged = set()
        self.replication = []
        self.unreplicated = 0
        self.events = []
        self.stop = threading.Event()
        self.run_id = f"{int(time.time())}"
        self.failures = []
        self.began = time.time()

    def note(self, kind, seconds, status):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[(kind, status)] = self.statuses.get((kind, status), 0) + 1

    def request(self, nodes, pick, method, path, body=None, headers=None):
        """Sends to the picked live node, then to the others; when none answered, waits a second (as a 503's
        Retry-After says) and goes round again, three rounds at most; returns (status, body) or None."""
        order = nodes[pick % len(nodes):] + nodes[:pick % len(nodes)]
        tried = []
        rounds = 3
        for attempt, node in enumerate(order * rounds):
            if attempt and attempt % len(order) == 0:
                time.sleep(1)
            if not node.alive:
                tried.append(f"node {node.index}: not running")
                continue
            try:
                c = http.client.HTTPConnection(LOOPBACK, node.port, timeout=120)
                c.request(method, path, body=body, headers=headers or {})
                r = c.getresponse()
                data = r.read()
                c.close()
                if r.status >= 500 or r.status == 503:
                    raise OSError(f"status {r.status}")
                if attempt:
                    with self.lock:
                        self.retries += attempt
                return r.status, data
            except OSError as e:
                tried.append(f"node {node.index}: {e}")
                continue
        self.fail(f"{method} {path.split('?')[0]}: no node answered ({'; '.join(tried)})")
        return None

    def fail(self, what):
        with self.lock:
            if len(self.failures) < 20:
                self.failures.append(f"{time.time() - self.began:.1f} s: {what}")


def equipment(node):
    c = http.client.HTTPConnection(LOOPBACK, node.port, timeout=60)
    c.request("GET", "/api/equipment")
    tree = json.loads(c.getresponse().read())
    sites, units = [], []
    for site in tree["sites"]:
        sites.append(site["path"])
        for area in site["areas"]:
            for wc in area["workCenters"]:
                units.extend(u["path"] for u in wc["workUnits"])
    return tree["path"], sites, units


def client(run, k, nodes, scopes, sites, units, source, start, end):
    rng = random.Random(k)
    seq = 0
    clock = end + k * 10_000_000
    span = end - start
    while not run.stop.is_set():
        live = [n for n in nodes if n.alive] or nodes
        r = rng.random()
        if r < 0.4:
            kind = "page"
            path = "/scope/" + urllib.parse.quote(rng.choice(sites))
            body, headers = None, {}
        elif r < 0.8:
            kind = "kpi"
            length = rng.randint(3_600, 30 * 86_400) * 1000
            frm = start + rng.randint(0, max(1, span - length))
            q = {"scope": rng.choice(scopes), "from": iso(frm), "to": iso(frm + length)}
            if rng.random() < 0.25:
                q["shift"] = rng.choice(["A", "B"])
            path = "/api/kpi?" + urllib.parse.urlencode(q)
            body, headers = None, {}
        else:
            kind = "post"
            lines, ids = [], []
            for _ in range(1000):
                seq += 1
                clock += 1000
                eid = f"load-{run.run_id}-{k}-{seq}"
                ids.append(eid)
                lines.append(json.dumps({
                    "id": eid, "ts": iso(clock), "source": source, "unit": rng.choice(units), "type": "count",
                    "good": 1, "scrap": 0, "rework": 0}, separators=(",", ":")))
            path, body = "/api/events", "\n".join(lines).encode()
            headers = {"Content-Type": "application/x-ndjson"}
        t = time.time()
        # Every node is offered (a dead one is skipped when its turn comes), so a retry reaches a node that came
        # back or started while this request was waiting.
        answer = run.request(nodes, nodes.index(live[(k + seq) % len(live)]), "GET" if body is None else "POST", path,
                             body, headers)
        elapsed = time.time() - t
        if answer is None:
            with run.lock:
                run.errors[kind] += 1
            time.sleep(0.2)
            continue
        status, data = answer
        run.note(kind, elapsed, status)
        if kind == "post" and status == 200:
            results = json.loads(data)["results"]
            with run.lock:
                for line in results:
                    if line["status"] in ("accepted", "duplicate"):
                        run.acknowledged.add(ids[line["line"] - 1])
        elif kind == "post" or status >= 400 and not (kind == "kpi" and status == 400):
            with run.lock:
                run.errors[kind] += 1
            run.fail(f"{kind} {path.split('?')[0]}: status {status}: {data[:300].decode(errors='replace')}")


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}Z"


def probe(run, source_node, sink_node, unit, source):
    """Posts one event to `source_node` every 0.5 s and times its announcement on `sink_node`'s stream."""
    pending = {}
    seen = threading.Condition()

    def listen():
        while not run.stop.is_set():
            try:
                c = http.client.HTTPConnection(LOOPBACK, sink_node.port, timeout=5)
                c.request("GET", "/api/stream")
                r = c.getresponse()
                while not run.stop.is_set():
                    line = r.fp.readline()
                    if not line:
                        break
                    if line.startswith(b"data: "):
                        update = json.loads(line[6:])
                        if unit in update.get("units", []):
                            now = time.time()
                            with seen:
                                for key, sent in list(pending.items()):
                                    run.replication.append(now - sent)
                                    del pending[key]
                                seen.notify_all()
            except (OSError, ValueError):
                time.sleep(0.2)

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(1)
    n = 0
    clock = int(time.time() * 1000) - 86_400_000
    while not run.stop.is_set():
        n += 1
        eid = f"load-{run.run_id}-probe-{n}"
        body = json.dumps({"id": eid, "ts": iso(clock + n * 1000), "source": source, "unit": unit, "type": "count",
                           "good": 1, "scrap": 0, "rework": 0}, separators=(",", ":")).encode()
        with seen:
            pending[eid] = time.time()
        answer = run.request([source_node], 0, "POST", "/api/events", body, {"Content-Type": "application/x-ndjson"})
        if answer and answer[0] == 200:
            with run.lock:
                run.acknowledged.add(eid)
        with seen:
            seen.wait_for(lambda: eid not in pending, timeout=5)
            if eid in pending:
                del pending[eid]
                run.unreplicated += 1
        time.sleep(0.5)


def ledger_ids(args, prefix):
    if args.database:
        out = subprocess.run(
            ["psql", args.database, "-Atc", f"SELECT id FROM ledger WHERE id LIKE '{prefix}%'"],
            check=True, capture_output=True, text=True).stdout
        ids = out.split()
    else:
        db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        ids = [r[0] for r in db.execute("SELECT id FROM ledger WHERE id LIKE ?", (prefix + "%",))]
        db.close()
    return ids


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spar", default=".build/release/spar")
    p.add_argument("--dir", default="bench/load-out")
    p.add_argument("--database", help="postgres://… URL the nodes serve (default: DIR/bench.sqlite)")
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--units-per-site", type=int, default=50)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--events", type=int, default=2_000_000)
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--faults", action="store_true")
    p.add_argument("--pg-restart", help="shell command that restarts PostgreSQL (with --faults and --database)")
    args = p.parse_args()
    if args.database:
        host = urllib.parse.urlparse(args.database).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1", ""):
            raise SystemExit(f"refusing a non-loopback database host '{host}'")
    os.makedirs(args.dir, exist_ok=True)
    args.db = os.path.join(args.dir, "bench.sqlite")
    args.key = args.db + ".key"
    if not os.path.exists(args.db):
        t = time.time()
        subprocess.run([
            args.spar, "bench", "--events", str(args.events), "--units", str(args.sites * args.units_per_site),
            "--sites", str(args.sites), "--days", str(args.days), "--dir", args.dir, "--ingest-only",
            "--no-ingest-processes", "--no-in-memory", "--python", ""], check=True)
        print(f"preloaded in {time.time() - t:.0f} s")
    if args.database:
        # The same synthetic enterprise, copied to PostgreSQL with its chain and projection (resumed if copied before).
        t = time.time()
        subprocess.run([args.spar, "migrate", "--from", args.db, "--to", args.database, "--key", args.key], check=True)
        print(f"copied to PostgreSQL in {time.time() - t:.0f} s")

    nodes = [Node(args, i, args.dir) for i in range(args.nodes)]
    late = nodes[-1] if args.faults and len(nodes) > 1 else None
    for n in nodes:
        if n is not late:
            t = time.time()
            n.start()
            print(f"node {n.index} on port {n.port}: healthy after {time.time() - t:.2f} s")
    run = Run(args)
    enterprise, sites, units = equipment(nodes[0])
    probe_unit, units = units[-1], units[:-1]
    scopes = [enterprise] + sites + units
    # The bench's year starts on Monday 2025-01-06; posted events follow it.
    start = 1736121600000
    end = start + args.days * 86_400_000
    source = "mes-opcenter"
    sink = nodes[-1] if len(nodes) > 1 else nodes[0]
    threads = [threading.Thread(target=client, args=(run, k, nodes, scopes, sites, units, source, start, end), daemon=True)
               for k in range(args.clients)]
    began = run.began = time.time()
    for t in threads:
        t.start()
    prober = None

    def start_probe():
        nonlocal prober
        prober = threading.Thread(target=probe, args=(run, nodes[0], sink, probe_unit, source), daemon=True)
        prober.start()

    if late is None:
        start_probe()
    faults = []
    if args.faults:
        plan = [(0.3, "kill"), (0.6, "late")]
        if args.database and args.pg_restart:
            plan.append((0.5, "pg"))
        for at, what in sorted(plan):
            while time.time() - began < at * args.duration:
                time.sleep(0.2)
            if what == "kill":
                nodes[0].kill()
                faults.append(f"{time.time() - began:.0f} s: node 0 killed (SIGKILL)")
                time.sleep(5)
                nodes[0].start()
                faults.append(f"{time.time() - began:.0f} s: node 0 restarted")
            elif what == "pg":
                subprocess.run(args.pg_restart, shell=True, check=True)
                faults.append(f"{time.time() - began:.0f} s: PostgreSQL restarted")
            elif what == "late":
                t = time.time()
                late.start()
                faults.append(f"{time.time() - began:.0f} s: node {late.index} started late, healthy in {time.time() - t:.2f} s")
                start_probe()
    while time.time() - began < args.duration:
        time.sleep(0.2)
    run.stop.set()
    for t in threads:
        t.join(timeout=180)
    if prober:
        prober.join(timeout=10)
    elapsed = time.time() - began
    # Once quiet, every node must report the same event count (on PostgreSQL each node learns of the others' appends
    # by NOTIFY): poll for up to 15 s and report how long agreement took.
    quiet = time.time()
    while True:
        counts = [n.health().get("events") for n in nodes if n.alive]
        if len(set(counts)) <= 1 or time.time() - quiet > 15:
            break
        time.sleep(0.2)
    convergence = time.time() - quiet
    # The chain lock on PostgreSQL: how much of the run it was held, and how long appends waited for it (a node
    # killed mid-run reports only what it did since it came back).
    lock = {"appends": 0, "waitSeconds": 0.0, "maxWaitSeconds": 0.0, "heldSeconds": 0.0}
    for n in nodes:
        if n.alive:
            c = n.health().get("chainLock") or {}
            lock["appends"] += int(c.get("appends", 0))
            lock["waitSeconds"] += c.get("waitSeconds", 0.0)
            lock["heldSeconds"] += c.get("heldSeconds", 0.0)
            lock["maxWaitSeconds"] = max(lock["maxWaitSeconds"], c.get("maxWaitSeconds", 0.0))
    for n in nodes:
        n.stop()

    found = set(ledger_ids(args, f"load-{run.run_id}-"))
    missing = run.acknowledged - found
    verify = subprocess.run(
        [args.spar, "verify", *(["--database", args.database, "--key", args.key] if args.database else ["--db", args.db])],
        capture_output=True, text=True)
    requests = sum(len(v) for v in run.latencies.values())
    report = {
        "nodes": args.nodes, "clients": args.clients, "seconds": round(elapsed, 1),
        "store": "postgresql" if args.database else "sqlite",
        "requestsPerSecond": round(requests / elapsed, 1),
        "kinds": {k: {"requests": len(v), "p50ms": round(percentile(v, 50) * 1000, 1),
                      "p99ms": round(percentile(v, 99) * 1000, 1), "errors": run.errors[k]}
                  for k, v in run.latencies.items()},
        "statuses": {f"{k} {s}": n for (k, s), n in sorted(run.statuses.items())},
        "retriedOnAnotherNode": run.retries,
        "eventsAcknowledged": len(run.acknowledged), "eventsFound": len(found & run.acknowledged),
        "acknowledgedMissing": len(missing), "foundNotAcknowledged": len(found - run.acknowledged),
        "replication": {"samples": len(run.replication), "p50ms": round(percentile(run.replication, 50) * 1000, 1),
                        "p99ms": round(percentile(run.replication, 99) * 1000, 1), "notSeenIn5s": run.unreplicated,
                        "from": "node 0", "to": f"node {sink.index}"},
        "failures": run.failures, "chainLock": lock, "nodeEventCounts": counts, "nodeConvergenceSeconds": round(convergence, 2), "faults": faults, "verify": verify.returncode == 0,
        "verifyOutput": verify.stdout[-2000:] + verify.stderr[-2000:],
    }
    with open(os.path.join(args.dir, "load-report.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"{args.nodes} node(s), {args.clients} clients, {elapsed:.0f} s on {report['store']}: "
          f"{report['requestsPerSecond']} requests/s, {run.retries} retried (on another node, or after a second when no node answered)")
    print(f"{'kind':6} {'requests':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for k, v in report["kinds"].items():
        print(f"{k:6} {v['requests']:>9} {v['p50ms']:>9} {v['p99ms']:>9} {v['errors']:>7}")
    print(f"events acknowledged {len(run.acknowledged)}, found {report['eventsFound']}, missing {len(missing)}, "
          f"found but not acknowledged {report['foundNotAcknowledged']}")
    rep = report["replication"]
    print(f"POST on node 0 → /api/stream on node {sink.index}: p50 {rep['p50ms']} ms, p99 {rep['p99ms']} ms "
          f"({rep['samples']} samples, {rep['notSeenIn5s']} not seen within 5 s)")
    if lock["appends"]:
        print(f"chain lock: {lock['appends']} appends held it {lock['heldSeconds']:.1f} s of the {elapsed:.0f} s run "
              f"({100 * lock['heldSeconds'] / elapsed:.0f} %); wait per append mean "
              f"{1000 * lock['waitSeconds'] / lock['appends']:.1f} ms, longest {1000 * lock['maxWaitSeconds']:.0f} ms")
    print(f"node event counts at the end: {counts} (agreed {convergence:.2f} s after the load stopped)")
    for f in faults:
        print("fault: " + f)
    for f in run.failures:
        print("failed request: " + f)
    print("spar verify: " + ("passed" if report["verify"] else "FAILED\n" + report["verifyOutput"]))
    bad = missing or any(v["errors"] for v in report["kinds"].values()) or not report["verify"]
    if bad:
        for n in nodes:
            with open(n.log, errors="replace") as f:
                lines = [l.rstrip() for l in f if " error " in l or "warning" in l or "fatal" in l.lower()]
            for l in lines[-10:]:
                print(f"node {n.index} log: {l[:500]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
