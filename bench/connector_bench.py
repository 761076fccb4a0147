#!/usr/bin/env python3
"""MTConnect connector figures on loopback: events/s one connector sustains into the ledger, and the latency from a
machine change at the agent to the updated KPI seen by a dashboard client.

A fake agent (this script, on a free loopback port) serves /probe, /current and /sample like cppagent. `spar serve
--connectors` reads it. Throughput: the agent holds N state changes when the server starts; the figure is N over the
time until /api/connectors reports them accepted, after they were added at once to an agent the connector had
already read (a new connector starts from the agent's /current, not from its history). Latency: one Execution change at a time is added to the agent with
the wall-clock time; the script measures until the live stream (/api/stream) announces the batch for the unit (the
append and the projection update are one transaction, so the KPI has changed by then), and until a following
/api/kpi for the unit has answered.

    python3 bench/connector_bench.py --spar .build/release/spar [--events 50000] [--changes 200]
"""
import argparse, http.server, json, os, socketserver, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

UNIT = "aerostar/wichita/machining/5axis-line/cnc-01"


class Agent:
    def __init__(self):
        self.lock = threading.Lock()
        self.buffer = []  # (seq, time, element, item, value)
        self.latest = {}
        self.next = 1
        self.first = 1

    def append(self, when, element, value):
        with self.lock:
            o = (self.next, when, element, element.lower(), value)
            self.buffer.append(o)
            self.latest[o[3]] = o
            self.next += 1

    def streams(self, observations, nxt):
        items = "".join(
            f'<Events><{e} dataItemId="{i}" sequence="{s}" timestamp="{t}">{v}</{e}></Events>' for s, t, e, i, v in observations)
        return (f'<?xml version="1.0" encoding="UTF-8"?><MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.0">'
                f'<Header creationTime="2026-01-01T00:00:00Z" sender="bench" instanceId="1" version="2.0.0.1" bufferSize="1000000" '
                f'nextSequence="{nxt}" firstSequence="{self.first}" lastSequence="{self.next - 1}"/>'
                f'<Streams><DeviceStream name="VMC-1" uuid="vmc-1"><ComponentStream component="Controller" name="c" componentId="c1">'
                f'{items}</ComponentStream></DeviceStream></Streams></MTConnectStreams>')

    def answer(self, path, query):
        with self.lock:
            if path == "/probe":
                return ('<?xml version="1.0"?><MTConnectDevices xmlns="urn:mtconnect.org:MTConnectDevices:2.0">'
                        '<Header creationTime="2026-01-01T00:00:00Z" sender="bench" instanceId="1" version="2.0.0.1" bufferSize="1000000"/>'
                        '<Devices><Device id="d1" name="VMC-1" uuid="vmc-1"/></Devices></MTConnectDevices>')
            if path == "/current":
                return self.streams(sorted(self.latest.values()), self.next)
            if path == "/sample":
                start = int(query.get("from", self.first))
                count = int(query.get("count", 100))
                page = self.buffer[start - 1:start - 1 + count]
                return self.streams(page, page[-1][0] + 1 if page else start)
        return None


def serve_agent(agent):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path, _, qs = self.path.partition("?")
            query = dict(p.split("=", 1) for p in qs.split("&") if "=" in p)
            body = agent.answer(path, query)
            data = (body or "not found").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spar", default=".build/release/spar")
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--plant", default="Examples/plant.yaml")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="spar-connector-bench-")
    db = os.path.join(tmp, "ledger.sqlite")
    empty = os.path.join(tmp, "empty.jsonl")
    open(empty, "w").close()
    subprocess.run([a.spar, "ingest", "--db", db, "--plant", a.plant, empty], check=True, capture_output=True)
    agent = Agent()
    now = int(time.time() * 1000)
    start = now - 3_600_000 - (a.events + 1) * 60_000
    agent.append(iso(start), "Execution", "READY")
    port = serve_agent(agent)
    with open(os.path.join(tmp, "connectors.yaml"), "w") as f:
        f.write(f"""connectors:
  - id: bench
    kind: mtconnect
    site: wichita
    source: mes-opcenter
    agent: http://127.0.0.1:{port}
    pollSeconds: 0.1
    devices:
      - {{ device: VMC-1, unit: {UNIT} }}
""")
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); http_port = s.getsockname()[1]; s.close()
    base = f"http://127.0.0.1:{http_port}"
    server = subprocess.Popen([a.spar, "serve", "--db", db, "--port", str(http_port), "--connectors",
                               os.path.join(tmp, "connectors.yaml")], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "serve.log"), "w"))
    print("work folder:", tmp, file=sys.stderr)
    try:
        def accepted():
            try:
                return get(base + "/api/connectors")["connectors"][0]
            except Exception:
                return None
        while not (accepted() or {}).get("accepted"):
            time.sleep(0.05)
        # N state changes, one a minute, ending an hour ago: ACTIVE and READY alternate.
        t0 = time.time()
        for i in range(a.events):
            agent.append(iso(start + (i + 1) * 60_000), "Execution", "ACTIVE" if i % 2 == 0 else "READY")
        while True:
            c = accepted()
            if c and c["accepted"] >= a.events + 1:
                break
            time.sleep(0.01)
        took = time.time() - t0
        print(f"throughput: {a.events} state changes in {took:.2f} s after they reached the agent = {a.events / took:,.0f} events/s "
              f"({c['messages']} documents of up to 1,000 observations)")
        # Latency: one change at a time, at the wall clock.
        stream = urllib.request.urlopen(base + "/api/stream", timeout=60)
        def next_batch():
            event = None
            while True:
                line = stream.readline().decode()
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                if line.startswith("data:") and event == "batch":
                    return json.loads(line[5:])
        notified, kpi = [], []
        value = "READY" if a.events % 2 == 0 else "ACTIVE"
        for i in range(a.changes):
            value = "READY" if value == "ACTIVE" else "ACTIVE"
            stamp = int(time.time() * 1000)
            t = time.perf_counter()
            agent.append(iso(stamp), "Execution", value)
            while True:
                b = next_batch()
                if UNIT in b.get("units", []):
                    break
            notified.append((time.perf_counter() - t) * 1000)
            frm, to = iso(stamp - 60_000), iso(stamp + 60_000)
            get(f"{base}/api/kpi?scope={UNIT}&from={frm}&to={to}")
            kpi.append((time.perf_counter() - t) * 1000)
            time.sleep(0.013 * (i % 7))
        def pct(v, p):
            v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
        print(f"latency over {a.changes} changes, polling every 0.1 s: live stream p50 {pct(notified, 50):.0f} ms, "
              f"p99 {pct(notified, 99):.0f} ms; KPI answered p50 {pct(kpi, 50):.0f} ms, p99 {pct(kpi, 99):.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
