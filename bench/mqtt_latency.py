#!/usr/bin/env python3
"""MQTT connector latency on loopback: from a machine's state message published to a real mosquitto broker to the
batch announced on `spar serve`'s live stream for the unit, and to a following /api/kpi for the unit answered.

Starts mosquitto (persistence on, a save on every change) on a free port, a ledger with Examples/plant.yaml, and
`spar serve --connectors` with one MQTT connector; publishes `ia/aerostar/wichita/lathe-01/state` messages at QoS 1
(10000 producing, 40000 unspecified stop, alternating) with the wall-clock time. Needs paho-mqtt.

    python3 bench/mqtt_latency.py --spar .build/release/spar [--changes 200]
"""
import argparse, json, os, socket, subprocess, sys, tempfile, time, urllib.request
import paho.mqtt.client as mqtt

UNIT = "aerostar/wichita/machining/turning-cell/lathe-01"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spar", default=".build/release/spar")
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--plant", default="Examples/plant.yaml")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="spar-mqtt-bench-")
    broker_port, http_port = free_port(), free_port()
    with open(os.path.join(tmp, "mosquitto.conf"), "w") as f:
        f.write(f"listener {broker_port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                f"persistence_location {tmp}/\nautosave_interval 1\nautosave_on_changes true\nuser {os.environ.get('USER', 'root')}\n")
    broker = subprocess.Popen(["/usr/sbin/mosquitto", "-c", os.path.join(tmp, "mosquitto.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = os.path.join(tmp, "ledger.sqlite")
    empty = os.path.join(tmp, "empty.jsonl"); open(empty, "w").close()
    subprocess.run([a.spar, "ingest", "--db", db, "--plant", a.plant, empty], check=True, capture_output=True)
    with open(os.path.join(tmp, "connectors.yaml"), "w") as f:
        f.write(f"""connectors:
  - id: bench-mqtt
    kind: mqtt
    site: wichita
    source: mes-opcenter
    broker: {{ host: 127.0.0.1, port: {broker_port} }}
    clientId: spar-bench
    topics:
      - {{ topic: ia/aerostar/wichita/lathe-01, unit: {UNIT} }}
""")
    base = f"http://127.0.0.1:{http_port}"
    server = subprocess.Popen([a.spar, "serve", "--db", db, "--port", str(http_port), "--connectors",
                               os.path.join(tmp, "connectors.yaml")], stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(tmp, "serve.log"), "w"))
    try:
        while True:
            try:
                c = json.loads(urllib.request.urlopen(base + "/api/connectors", timeout=5).read())["connectors"]
                if c and c[0]["connected"]:
                    break
            except Exception:
                pass
            time.sleep(0.05)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-pub")
        pub.connect("127.0.0.1", broker_port)
        pub.loop_start()
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
        for i in range(a.changes):
            stamp = int(time.time() * 1000)
            t = time.perf_counter()
            pub.publish("ia/aerostar/wichita/lathe-01/state",
                        json.dumps({"timestamp_ms": stamp, "state": 10000 if i % 2 == 0 else 40000}), qos=1)
            while UNIT not in next_batch().get("units", []):
                pass
            notified.append((time.perf_counter() - t) * 1000)
            urllib.request.urlopen(f"{base}/api/kpi?scope={UNIT}&from={iso(stamp - 60_000)}&to={iso(stamp + 60_000)}",
                                   timeout=30).read()
            kpi.append((time.perf_counter() - t) * 1000)
            time.sleep(0.01 * (i % 5))

        def pct(v, p):
            v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
        print(f"MQTT latency over {a.changes} state changes: live stream p50 {pct(notified, 50):.1f} ms, "
              f"p99 {pct(notified, 99):.1f} ms; KPI answered p50 {pct(kpi, 50):.1f} ms, p99 {pct(kpi, 99):.1f} ms")
        pub.loop_stop()
    finally:
        server.terminate(); server.wait(timeout=10)
        broker.terminate(); broker.wait(timeout=10)


if __name__ == "__main__":
    main()
