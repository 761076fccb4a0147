#!/usr/bin/python3
"""End-to-end browser test of `spar serve` on a demo ledger, with headless Chromium through Selenium.

Builds a four-day demo ledger (Monday to Thursday, so the last day has shifts everywhere): the demo's events are
exported and ingested into a fresh ledger, whose users are then enrolled with `spar user add` (an admin of every site
first, as the local operating-system user; then, as that admin, a supervisor of every site and an operator of
wichita) and a token issued for the mes-opcenter source system with `spar user token issue`. Then it starts
`spar serve` on a free port and drives the pages: signing in through the login form (and its __Host- session cookie),
the numbers shown must equal the API's for the same windows, the user can click from the enterprise down to one
machine and back, a posted event changes the live view (without reloading), the KPI, catalogue and ingest pages
render, an operator works a traveler through the execution pages (steps, an out-of-limit value opening an NCR, the MRB
disposition, the hold-point sign-off, the serial's trace), nothing breaks the Content-Security-Policy, and a wichita
operator sees only wichita and gets 403 on a Toulouse page. Screenshots go to $SPAR_E2E_ARTIFACTS (default e2e/artifacts).

Needs Debian's chromium, chromium-driver and python3-selenium, and a built spar ($SPAR_BIN, default .build/debug/spar).
Prints 'N passed, M failed' and exits non-zero on a failure.
"""
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPAR = os.environ.get("SPAR_BIN", os.path.join(ROOT, ".build", "debug", "spar"))
ARTIFACTS = os.environ.get("SPAR_E2E_ARTIFACTS", os.path.join(ROOT, "e2e", "artifacts"))
os.makedirs(ARTIFACTS, exist_ok=True)
# Chromium treats http://127.0.0.1 and http://localhost as secure contexts, so it keeps the Secure __Host- cookie on
# either (both verified); the test uses 127.0.0.1, where spar serve listens, unless $SPAR_E2E_HOST says localhost.
HOST = os.environ.get("SPAR_E2E_HOST", "127.0.0.1")

# The users this test enrols: (id, printed name, role, sites); passwords are test-only.
ADMIN = ("admin", "E2E Admin", "admin", "*")
USERS = [("planner", "Pat Planner", "supervisor", "*"), ("op-wichita", "Olive Operator", "operator", "wichita"),
         ("eng", "Eli Engineer", "engineer", "*"), ("qa-wichita", "Quinn Quality", "quality", "wichita")]

# The routing of the operator pages' check: operation 10 at cnc-01 loads the fixture, then bores (a first-article
# hold point); operation 20 deburrs on the 5-axis line.
ROUTING_YAML = """partNumber: PN-E2E
revision: A
operations:
  - sequence: 10
    title: Bore
    workCenter: aerostar/wichita/machining/5axis-line/cnc-01
    steps:
      - { sequence: 10, instruction: Load the part in fixture F-12 }
      - sequence: 20
        instruction: Bore the main hole to size
        document: { id: WI-E2E-7, revision: B }
        dataItems:
          - { id: bore, name: bore diameter, type: number, unit: mm, lowerLimit: 12.00, upperLimit: 12.50, decimals: 2 }
        holdPoint: firstArticle
  - sequence: 20
    title: Deburr
    workCenter: aerostar/wichita/machining/5axis-line
    steps:
      - { sequence: 10, instruction: Deburr all edges }
"""


def password(user):
    return f"e2e-{user}-password"

passed, failed = 0, 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {name}")
    except Exception:
        failed += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def percent(v):
    return f"{v * 100:.1f} %" if isinstance(v, (int, float)) else "\u2013"


def spar(args, env=None, capture=False):
    """Runs the spar CLI; the environment names no user unless `env` does."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("SPAR_")}
    full.update(env or {})
    done = subprocess.run([SPAR] + args, check=True, env=full, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return done.stdout if capture else None


def governed_demo_ledger(folder):
    """The demo's events in a fresh ledger, with the test's users and a token for mes-opcenter."""
    export = os.path.join(folder, "export")
    spar(["demo", "--db", os.path.join(folder, "scratch.sqlite"), "--days", "4", "--export", export])
    db = os.path.join(folder, "e2e.sqlite")
    spar(["ingest", "--db", db, "--plant", os.path.join(export, "plant.json"), "--quiet",
          os.path.join(export, "events.jsonl")])
    user, name, role, sites = ADMIN
    # The first user of a fresh ledger is enrolled by the local operating-system user.
    spar(["user", "add", "--db", db, "--user", user, "--name", name, "--role", role, "--sites", sites],
         env={"SPAR_NEW_PASSWORD": password(user)})
    as_admin = {"SPAR_USER": ADMIN[0], "SPAR_PASSWORD": password(ADMIN[0])}
    for user, name, role, sites in USERS:
        spar(["user", "add", "--db", db, "--user", user, "--name", name, "--role", role, "--sites", sites],
             env=dict(as_admin, SPAR_NEW_PASSWORD=password(user)))
    token = spar(["user", "token", "issue", "--db", db, "--system", "mes-opcenter", "--sites", "*"], env=as_admin,
                 capture=True).strip()
    assert token.startswith("spar_"), token
    spar(["map", "record", "--db", db, "--blueprint", os.path.join(export, "blueprint.json"), "--reason",
          "demo blueprint for the browser test"], env=as_admin)
    return db, token


class Server:
    def __init__(self, folder):
        db, self.token = governed_demo_ledger(folder)
        self.db = db
        self.log = open(os.path.join(folder, "serve.log"), "w+")
        self.process = subprocess.Popen([SPAR, "serve", "--db", db, "--port", "0"], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True)
        line = self.process.stdout.readline()  # "Spar is serving … at http://127.0.0.1:PORT/ …"
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"spar serve did not start: {line!r}")
        self.base = f"http://{HOST}:{match.group(1)}"
        # The API calls of this script run in a session of the planner (a supervisor of every site).
        self.cookie = self.sign_in("planner")

    def sign_in(self, user):
        """POST /api/session; returns the Cookie header value."""
        req = urllib.request.Request(self.base + "/api/session", method="POST",
                                     data=json.dumps({"user": user, "password": password(user)}).encode(),
                                     headers={"Content-Type": "application/json", "Origin": self.base})
        with urllib.request.urlopen(req, timeout=30) as r:
            cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("__Host-spar-session=") and "; Secure; HttpOnly; SameSite=Strict" in cookie, cookie
        return cookie.split(";")[0]

    def analysis(self):
        """What `spar map analyze --db … --format json` prints for the ledger (as the admin)."""
        return json.loads(spar(["map", "analyze", "--db", self.db, "--format", "json"],
                               env={"SPAR_USER": ADMIN[0], "SPAR_PASSWORD": password(ADMIN[0])}, capture=True))

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def kpi(self, scope, start, end):
        q = urllib.parse.urlencode({"scope": scope, "from": start, "to": end})
        return self.get("/api/kpi?" + q)

    def post(self, lines):
        body = "\n".join(json.dumps(e) for e in lines).encode()
        req = urllib.request.Request(self.base + "/api/events", data=body, method="POST",
                                     headers={"Content-Type": "application/x-ndjson",
                                              "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        self.process.terminate()
        code = self.process.wait(timeout=30)
        if code != 0:
            raise RuntimeError(f"spar serve exited {code} on SIGTERM")


def blocks_match_api(driver, server):
    """Every live block on the page shows the API's headline KPIs for its scope and window."""
    blocks = driver.find_elements(By.CSS_SELECTOR, "[data-live-scope]")
    assert blocks, "no live blocks"
    for b in blocks:
        api = server.kpi(b.get_attribute("data-live-scope"), b.get_attribute("data-from"), b.get_attribute("data-to"))
        for cell in b.find_elements(By.CSS_SELECTOR, "[data-kpi]"):
            want = percent(api["kpis"][cell.get_attribute("data-kpi")])
            assert cell.text == want, f"{b.get_attribute('data-live-scope')} {cell.get_attribute('data-kpi')}: " \
                                      f"page {cell.text!r}, API {want!r}"
    return len(blocks)


def sign_in_with_form(driver, server, user, path="/"):
    """Opens `path`, is sent to the login page, signs in there and lands on `path`."""
    driver.get(server.base + path)
    assert "/login?next=" in driver.current_url, driver.current_url
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password(user))
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    deadline = time.time() + 10
    while "/login" in driver.current_url and time.time() < deadline:
        time.sleep(0.05)
    assert driver.current_url == server.base + path, driver.current_url


def main():
    folder = tempfile.mkdtemp(prefix="spar-e2e-")
    server = Server(folder)
    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600"]:
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    console = []

    def read_console():
        console.extend(e["message"] for e in driver.get_log("browser"))

    try:
        def login():
            driver.get(server.base + "/scope/aerostar/wichita")
            assert driver.current_url == server.base + "/login?next=/scope/aerostar/wichita", driver.current_url
            driver.find_element(By.ID, "user").send_keys("planner")
            driver.find_element(By.ID, "password").send_keys("not-the-password")
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "login-error"))
            assert "unknown user or wrong password" in driver.find_element(By.ID, "login-error").text
            driver.save_screenshot(os.path.join(ARTIFACTS, "login.png"))
            driver.find_element(By.ID, "user").clear()
            sign_in_with_form(driver, server, "planner", "/scope/aerostar/wichita")
            cookies = driver.get_cookies()
            assert [c["name"] for c in cookies] == ["__Host-spar-session"], cookies
            c = cookies[0]
            assert c["secure"] and c["httpOnly"] and c["sameSite"] == "Strict" and c["path"] == "/", c
            assert "domain" not in c or c["domain"] == HOST, c
            assert driver.find_element(By.ID, "who-name").text == "Pat Planner"
            assert driver.find_element(By.ID, "who-sites").text == "all sites"
            read_console()

        def overview():
            driver.get(server.base + "/")
            assert "aerostar" in driver.find_element(By.TAG_NAME, "h1").text
            n = blocks_match_api(driver, server)
            # Today and 7 days for the enterprise and 3 sites, this shift for the two sites with a calendar.
            assert n == 10, f"expected enterprise + 3 sites, today and 7 days, and 2 shifts: {n} blocks"
            labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".shift-label")]
            assert len(labels) == 2 and all(l.startswith(("shift ", "no shift running; last: ")) for l in labels), labels
            assert "no shift running" in driver.find_element(By.CSS_SELECTOR, "td.no-shift").text  # toulouse
            driver.save_screenshot(os.path.join(ARTIFACTS, "overview.png"))

        def drill_down_and_back():
            driver.get(server.base + "/")
            driver.find_element(By.LINK_TEXT, "wichita").click()
            assert driver.current_url.endswith("/scope/aerostar/wichita")
            blocks_match_api(driver, server)
            for level in ["machining", "5axis-line", "cnc-01"]:
                driver.find_element(By.LINK_TEXT, level).click()
                blocks_match_api(driver, server)
            assert "/scope/aerostar/wichita/machining/5axis-line/cnc-01" in driver.current_url
            assert "work unit" in driver.find_element(By.TAG_NAME, "h1").text
            assert driver.find_elements(By.CSS_SELECTOR, "svg.timeline rect"), "no state timeline"
            assert driver.find_elements(By.CSS_SELECTOR, "svg.pareto rect"), "no loss Pareto"
            assert len(driver.find_elements(By.CSS_SELECTOR, "table.kpis tbody tr")) == 34
            driver.save_screenshot(os.path.join(ARTIFACTS, "unit.png"))
            driver.find_element(By.CSS_SELECTOR, "nav.crumbs a[href='/']").click()
            assert driver.current_url.rstrip("/") == server.base

        def live_update():
            unit = "aerostar/wichita/machining/5axis-line/cnc-01"
            driver.get(server.base + "/scope/" + unit + "?window=today")
            deadline = time.time() + 10
            while "live" not in driver.find_element(By.ID, "live-status").text and time.time() < deadline:
                time.sleep(0.05)
            block = driver.find_element(By.CSS_SELECTOR, "section.cards[data-live-scope]")
            start, end = block.get_attribute("data-from"), block.get_attribute("data-to")
            before = server.kpi(unit, start, end)["kpis"]["availability"]
            cell = block.find_element(By.CSS_SELECTOR, "[data-kpi=availability]")
            assert cell.text == percent(before)
            # A breakdown inside the window (before the latest event, so the window stays): availability drops unless
            # the unit was not producing then; try earlier half hours until the API's value changes.
            end_s = calendar.timegm(time.strptime(end, "%Y-%m-%dT%H:%M:%SZ"))
            after = before
            for k in range(1, 20):
                ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_s - k * 1800 + 17))
                posted = time.time()
                result = server.post([{"id": f"e2e-breakdown-{k}", "ts": ts, "source": "mes-opcenter", "unit": unit,
                                       "type": "state", "state": "down", "reason": "spindle-fail"}])
                assert result["accepted"] == 1, result
                after = server.kpi(unit, start, end)["kpis"]["availability"]
                if percent(after) != percent(before):
                    break
            assert percent(after) != percent(before), "no posted breakdown changed availability"
            deadline = posted + 10
            while cell.text != percent(after) and time.time() < deadline:
                time.sleep(0.02)
            seen = time.time() - posted
            assert cell.text == percent(after), f"page shows {cell.text!r}, API {percent(after)!r}"
            print(f"     live view: {percent(before)} -> {percent(after)} on screen {seen:.2f} s after the POST")
            assert seen < 3, f"the view took {seen:.2f} s"
            driver.save_screenshot(os.path.join(ARTIFACTS, "live.png"))

        def kpi_pages():
            driver.get(server.base + "/kpis")
            assert len(driver.find_elements(By.CSS_SELECTOR, "tbody tr")) == 34
            driver.find_element(By.PARTIAL_LINK_TEXT, "OEE index").click()
            assert "availability × effectiveness × qualityRatio" in driver.page_source
            rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
            assert len(rows) == 4, "enterprise and three sites"
            driver.save_screenshot(os.path.join(ARTIFACTS, "kpi-oee.png"))

        def ingest_page():
            driver.get(server.base + "/ingest")
            assert "e2e-breakdown" not in driver.page_source  # accepted, so not among the rejections
            batches = driver.find_elements(By.XPATH, "//h2[text()='Recent batches']/following-sibling::div//tbody/tr")
            assert batches, "the posted batches are not listed"
            assert batches[-1].find_elements(By.TAG_NAME, "td")[4].text == "1", "first batch: 1 accepted"
            sources = driver.find_elements(By.XPATH, "//h2[text()='Sources']/following-sibling::div//tbody/tr")
            assert any("mes-opcenter" in r.text for r in sources)
            driver.save_screenshot(os.path.join(ARTIFACTS, "ingest.png"))

        def grid_matches(cells, analysis, sites):
            """Every grid cell of the page equals the analysis's activity of its site: state, then systems."""
            by_site = {x["site"]: x for x in analysis["sites"]}
            assert {c.get_attribute("data-site") for c in cells} == set(sites), [c.get_attribute("data-site") for c in cells][:5]
            assert len(cells) == 32 * len(sites), len(cells)
            for c in cells:
                site, activity = c.get_attribute("data-site"), c.get_attribute("data-activity")
                want = next(a for a in by_site[site]["activities"] if a["activity"] == activity)
                assert c.get_attribute("data-state") == want["state"], (site, activity, c.get_attribute("data-state"), want)
                shown = [e.text.rstrip(" ✗") for e in c.find_elements(By.CSS_SELECTOR, ".sys")]
                assert shown == want["full"] + want["partial"], (site, activity, shown, want)
                marked = [e.text.rstrip(" ✗") for e in c.find_elements(By.CSS_SELECTOR, ".sys.unvalidated")]
                assert sorted(set(marked)) == sorted(want["unvalidated"]), (site, activity, marked, want)

        def blueprint_pages():
            analysis = server.analysis()
            driver.get(server.base + "/")
            driver.find_element(By.LINK_TEXT, "Blueprint").click()
            assert driver.current_url == server.base + "/blueprint", driver.current_url
            sites = [x["site"] for x in analysis["sites"]]
            grid_matches(driver.find_elements(By.CSS_SELECTOR, "#bp-matrix td.cell"), analysis, sites)
            ranks = [int(r.find_element(By.TAG_NAME, "td").text) for r in driver.find_elements(By.CSS_SELECTOR, "#bp-gaps tbody tr")]
            assert ranks == list(range(1, len(analysis["gaps"]) + 1)), ranks
            subjects = [r.find_elements(By.TAG_NAME, "td")[4].text for r in driver.find_elements(By.CSS_SELECTOR, "#bp-gaps tbody tr")]
            assert subjects == [g["subject"] for g in analysis["gaps"]]
            driver.save_screenshot(os.path.join(ARTIFACTS, "blueprint.png"))
            driver.find_element(By.CSS_SELECTOR, "#bp-sites a[href='/blueprint/sites/wichita']").click()
            grid_matches(driver.find_elements(By.CSS_SELECTOR, "#bp-grid td.cell"), analysis, ["wichita"])
            wichita = next(x for x in analysis["sites"] if x["site"] == "wichita")
            rows = [r.get_attribute("data-object") for r in driver.find_elements(By.CSS_SELECTOR, "#bp-ownership tbody tr")]
            assert rows == [d["object"] for d in wichita["dataObjects"]], rows
            for d in wichita["dataObjects"]:
                for system in d["systemOfRecord"]:
                    cell = driver.find_element(By.CSS_SELECTOR, f"#bp-ownership tr[data-object='{d['object']}'] td[data-system='{system}']")
                    assert "SoR" in cell.text.split(), (d["object"], system, cell.text)
            driver.save_screenshot(os.path.join(ARTIFACTS, "blueprint-site.png"))
            # Printed for a review: the header and filters are not printed.
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            assert not driver.find_element(By.CSS_SELECTOR, "header.top").is_displayed()
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

        def lineage_to_the_record():
            unit = "aerostar/wichita/machining/5axis-line/cnc-01"
            driver.get(server.base + "/scope/" + unit + "?window=today")
            link = driver.find_element(By.CSS_SELECTOR, "table.kpis td[data-kpi-id=oee] a.lineage")
            shown = link.text
            link.click()
            assert "/lineage?" in driver.current_url, driver.current_url
            assert driver.find_element(By.ID, "lineage-value").text == shown
            assert driver.find_element(By.ID, "lineage-formula").text == "availability × effectiveness × qualityRatio"
            query = urllib.parse.urlsplit(driver.current_url).query
            api = server.get("/api/kpi/lineage?" + query)
            assert percent(api["kpi"]["value"]) == shown, (api["kpi"], shown)
            rows = driver.find_elements(By.CSS_SELECTOR, "#lineage-events tbody tr")
            assert [r.get_attribute("data-id") for r in rows] == [e["id"] for e in api["events"]]
            assert api["events"] and {e["type"] for e in api["events"]} <= {"state", "order", "count", "correction"}
            assert any(e["edge"] == "inForceAtStart" for e in api["events"]), "the state in force at the window start"
            sources = driver.find_element(By.ID, "lineage-sources").text
            assert "mes-opcenter" in sources, sources
            driver.save_screenshot(os.path.join(ARTIFACTS, "lineage.png"))
            # Filter by type: counts only.
            from selenium.webdriver.support.ui import Select
            Select(driver.find_element(By.ID, "filter-type")).select_by_value("count")
            before = driver.find_element(By.ID, "lineage-events")
            driver.find_element(By.ID, "filter-apply").click()
            # The filtered page replaces this one: wait until the old table is gone before reading rows.
            WebDriverWait(driver, 20).until(expected_conditions.staleness_of(before))
            types = {r.find_elements(By.TAG_NAME, "td")[2].text for r in driver.find_elements(By.CSS_SELECTOR, "#lineage-events tbody tr")}
            assert types == {"count"}, types
            # One event's audit-trail entry.
            first = driver.find_element(By.CSS_SELECTOR, "#lineage-events tbody tr")
            event_id = first.get_attribute("data-id")
            first.find_element(By.CSS_SELECTOR, "a.audit").click()
            assert driver.find_element(By.ID, "entry-id").text == event_id
            entry = next(e for e in server.get("/api/kpi/lineage?" + query + "&type=count")["events"] if e["id"] == event_id)
            assert driver.find_element(By.ID, "entry-seq").text == str(entry["seq"])
            assert driver.find_element(By.ID, "entry-recorded-by").text == entry["recordedBy"]
            assert driver.find_element(By.ID, "entry-source").text == entry["source"]
            driver.save_screenshot(os.path.join(ARTIFACTS, "entry.png"))

        def tablet():
            driver.set_window_size(800, 1200)
            driver.get(server.base + "/scope/aerostar/toulouse")
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 800, f"page is {width} px wide on an 800 px screen"
            driver.save_screenshot(os.path.join(ARTIFACTS, "tablet.png"))
            driver.set_window_size(1280, 1600)

        def as_user(user):
            return {"SPAR_USER": user, "SPAR_PASSWORD": password(user)}

        def switch_user(user, path):
            """Signs out, then signs in as `user` through the login form, landing on `path`."""
            driver.get(server.base + "/travelers")
            driver.find_element(By.ID, "logout").click()
            WebDriverWait(driver, 10).until(lambda d: d.current_url == server.base + "/login")
            sign_in_with_form(driver, server, user, path)

        def submit(button_id):
            """Clicks a form's button and waits for the next page (a new document has no mark on its window)."""
            driver.execute_script("window.sparE2EOld = true")
            driver.find_element(By.ID, button_id).click()
            WebDriverWait(driver, 20).until(
                lambda d: d.execute_script("return document.readyState === 'complete' && !window.sparE2EOld"))

        def sign_fields(prefix, user):
            """Fills a signature form: the user id when the session's first signing asks for it, and the password."""
            ids = driver.find_elements(By.ID, prefix + "-user")
            if ids:
                ids[0].send_keys(user)
            driver.find_element(By.ID, prefix + "-password").send_keys(password(user))

        def operator_pages():
            folder = tempfile.mkdtemp(prefix="spar-e2e-routing-")
            routing = os.path.join(folder, "pn-e2e.yaml")
            with open(routing, "w") as f:
                f.write(ROUTING_YAML)
            proposed = spar(["routing", "propose", "--db", server.db, routing, "--reason", "browser test"],
                            env=as_user(ADMIN[0]), capture=True)
            cr = proposed.split()[0]
            assert cr.startswith("CR-"), proposed
            for user in ["eng", "qa-wichita"]:
                spar(["change", "approve", "--db", server.db, cr], env=as_user(user))
            spar(["traveler", "release", "--db", server.db, "T-E2E-1", "--work-order", "WO-E2E", "--part", "PN-E2E",
                  "--serial", "SN-E2E-1"], env=as_user("op-wichita"))
            spar(["traveler", "consume", "--db", server.db, "T-E2E-1", "--lot", "HEAT-E2E-4", "--material",
                  "Ti-6Al-4V", "--quantity", "1"], env=as_user("op-wichita"))

            driver.set_window_size(800, 1200)
            switch_user("op-wichita", "/travelers")
            card = driver.find_element(By.CSS_SELECTOR, "li.traveler-card[data-traveler='T-E2E-1']")
            assert "serial SN-E2E-1" in card.text and "WO-E2E" in card.text and "released" in card.text, card.text
            link = card.find_element(By.CSS_SELECTOR, "a.traveler-link")
            assert link.size["height"] >= 48, link.size
            link.click()
            assert driver.current_url == server.base + "/travelers/T-E2E-1", driver.current_url
            assert driver.find_element(By.ID, "step-instruction").text == "Load the part in fixture F-12"
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 800
            driver.save_screenshot(os.path.join(ARTIFACTS, "traveler.png"))
            button = driver.find_element(By.ID, "start-step")
            assert button.size["height"] >= 48, button.size
            submit("start-step")
            sign_fields("complete", "op-wichita")
            submit("complete-step")
            # The next step: its instruction, document and limits beside the input.
            assert driver.find_element(By.ID, "current-step").get_attribute("data-step") == "10.20"
            assert driver.find_element(By.ID, "step-instruction").text == "Bore the main hole to size"
            assert driver.find_element(By.ID, "step-document").text == "Work instruction WI-E2E-7 rev B"
            submit("start-step")
            limits = driver.find_element(By.CSS_SELECTOR, "[data-limits=bore]").text
            assert limits == "12.00 – 12.50", limits
            driver.find_element(By.ID, "value-bore").send_keys("12.93")
            submit("record-bore")
            notice = driver.find_element(By.ID, "ncr-opened")
            assert "bore diameter 12.93 mm is outside 12.00–12.50 mm" in notice.text, notice.text
            ncr = notice.find_element(By.TAG_NAME, "a").text
            assert ncr.startswith("NCR-"), ncr
            assert driver.find_element(By.ID, "traveler-state").text == "on hold"
            driver.save_screenshot(os.path.join(ARTIFACTS, "traveler-ncr.png"))
            # On hold: completing is refused, and the page names the rule.
            sign_fields("complete", "op-wichita")
            submit("complete-step")
            assert driver.find_element(By.ID, "refusal-rule").text == "onHold"
            driver.get(server.base + "/wip")
            row = driver.find_element(By.CSS_SELECTOR, "#wip tr[data-traveler='T-E2E-1']")
            assert f"on hold by {ncr}" in row.text, row.text

            # The MRB: quality and engineering sign use-as-is on the NCR page, each re-authenticating.
            switch_user("qa-wichita", "/ncrs")
            driver.find_element(By.CSS_SELECTOR, f"#ncr-queue tr[data-ncr='{ncr}'] a").click()
            driver.find_element(By.ID, "disposition-useAsIs").click()
            driver.find_element(By.ID, "rationale").send_keys("0.43 mm over: fit checked on the mating part")
            driver.find_element(By.ID, "user1").send_keys("qa-wichita")
            driver.find_element(By.ID, "password1").send_keys(password("qa-wichita"))
            driver.find_element(By.ID, "user2").send_keys("eng")
            driver.find_element(By.ID, "password2").send_keys(password("eng"))
            submit("disposition-submit")
            assert driver.find_element(By.CSS_SELECTOR, "#ncr-disposition h2").text == "Disposition: use as is"
            assert driver.find_element(By.ID, "ncr-status").text == "dispositioned"
            driver.save_screenshot(os.path.join(ARTIFACTS, "ncr.png"))

            # The operator completes the bore; the first-article hold point waits for quality.
            switch_user("op-wichita", "/travelers/T-E2E-1")
            sign_fields("complete", "op-wichita")
            submit("complete-step")
            assert driver.find_elements(By.CSS_SELECTOR, "section.hold-point[data-hold-point='10.20']")
            submit("start-step")
            assert driver.find_element(By.ID, "refusal-rule").text == "holdPoint"
            switch_user("qa-wichita", "/travelers/T-E2E-1")
            sign_fields("hold", "qa-wichita")
            submit("sign-hold-point")
            assert not driver.find_elements(By.CSS_SELECTOR, "section.hold-point"), "the hold point is signed"
            row = driver.find_element(By.CSS_SELECTOR, "#operations tr[data-step='10.20']")
            assert "first-article hold point: inspected by qa-wichita" in row.text, row.text

            # The operator finishes the traveler.
            switch_user("op-wichita", "/travelers/T-E2E-1")
            assert driver.find_element(By.ID, "current-step").get_attribute("data-step") == "20.10"
            submit("start-step")
            sign_fields("complete", "op-wichita")
            submit("complete-step")
            assert driver.find_element(By.ID, "traveler-state").text == "complete"
            driver.get(server.base + "/travelers")
            assert not driver.find_elements(By.CSS_SELECTOR, "li.traveler-card[data-traveler='T-E2E-1']")

            # The serial's genealogy shows the heat, the people and the measurement with its NCR.
            driver.get(server.base + "/travelers/T-E2E-1")
            driver.find_element(By.LINK_TEXT, "serial SN-E2E-1").click()
            assert driver.current_url == server.base + "/serials/SN-E2E-1", driver.current_url
            lots = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#trace-lots a")]
            assert lots == ["HEAT-E2E-4"], lots
            people = driver.find_element(By.ID, "trace-people").text
            assert people == "eng, op-wichita, qa-wichita", people
            assert "12.93 mm" in driver.find_element(By.ID, "trace-measurements").text
            assert ncr in driver.find_element(By.ID, "trace-ncrs").text
            as_built = driver.find_element(By.ID, "as-built").get_attribute("href")
            assert as_built == server.base + "/api/serials/SN-E2E-1/as-built", as_built
            driver.save_screenshot(os.path.join(ARTIFACTS, "serial.png"))
            driver.find_element(By.LINK_TEXT, "HEAT-E2E-4").click()
            assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#trace-serials a")] == ["SN-E2E-1"]
            driver.set_window_size(1280, 1600)

        def content_security_policy():
            read_console()
            violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
            assert not violations, violations

        def site_scoped_user():
            driver.get(server.base + "/")
            driver.find_element(By.ID, "logout").click()
            WebDriverWait(driver, 10).until(lambda d: d.current_url == server.base + "/login")
            driver.get(server.base + "/")
            assert "/login?next=" in driver.current_url, "the session ended on the server"
            sign_in_with_form(driver, server, "op-wichita", "/")
            assert driver.find_element(By.ID, "who-sites").text == "sites wichita"
            assert driver.find_element(By.ID, "who-roles").text == "operator"
            sites = [r.find_element(By.CSS_SELECTOR, "td a").text for r in driver.find_elements(By.CSS_SELECTOR, "tr.site")]
            assert sites == ["wichita"], sites
            assert not driver.find_elements(By.CSS_SELECTOR, "tr.enterprise"), "the enterprise row needs every site"
            assert "toulouse" not in driver.page_source.lower()
            n = blocks_match_api(driver, server)
            assert n in (2, 3), f"wichita today, this shift and 7 days: {n} blocks"
            driver.save_screenshot(os.path.join(ARTIFACTS, "scoped.png"))
            driver.get(server.base + "/kpis/oee")
            assert len(driver.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1, "wichita only"
            driver.get(server.base + "/scope/aerostar/toulouse")
            assert driver.find_element(By.TAG_NAME, "h1").text == "403 · Not one of your sites"
            driver.get(server.base + "/scope/aerostar")
            assert driver.find_element(By.TAG_NAME, "h1").text.startswith("403")
            driver.get(server.base + "/scope/aerostar/wichita/machining")
            assert "area" in driver.find_element(By.TAG_NAME, "h1").text
            driver.save_screenshot(os.path.join(ARTIFACTS, "forbidden.png"))

        def site_scoped_blueprint_and_lineage():
            analysis = server.analysis()
            driver.get(server.base + "/blueprint")
            grid_matches(driver.find_elements(By.CSS_SELECTOR, "#bp-matrix td.cell"), analysis, ["wichita"])
            sites = [r.find_element(By.TAG_NAME, "a").text for r in driver.find_elements(By.CSS_SELECTOR, "#bp-sites tbody tr")]
            assert sites == ["wichita"], sites
            assert {r.find_elements(By.TAG_NAME, "td")[2].text for r in driver.find_elements(By.CSS_SELECTOR, "#bp-gaps tbody tr")} <= {"wichita"}
            driver.get(server.base + "/blueprint/sites/toulouse")
            assert driver.find_element(By.TAG_NAME, "h1").text.startswith("403")
            driver.get(server.base + "/scope/aerostar/wichita?window=7d")
            driver.find_element(By.ID, "lineage-all").click()
            units = {r.find_elements(By.TAG_NAME, "td")[1].text for r in driver.find_elements(By.CSS_SELECTOR, "#lineage-events tbody tr")}
            assert units, "no events behind the wichita values"
            assert all("toulouse" not in u and "nagoya" not in u for u in units), units
            q = driver.current_url.split("?", 1)[1].replace("aerostar%2Fwichita", "aerostar%2Ftoulouse").replace("aerostar/wichita", "aerostar/toulouse")
            driver.get(server.base + "/lineage?" + q)
            assert driver.find_element(By.TAG_NAME, "h1").text.startswith("403"), driver.current_url

        for name, fn in [("pages need a sign-in; the login form sets a __Host- cookie", login),
                         ("overview numbers equal the API's", overview),
                         ("enterprise → site → area → work center → unit and back", drill_down_and_back),
                         ("a posted event changes the live view", live_update),
                         ("KPI catalogue and KPI page", kpi_pages),
                         ("ingest page", ingest_page),
                         ("blueprint pages equal spar map analyze cell by cell", blueprint_pages),
                         ("a KPI value on a unit page leads to its events and an event's audit entry", lineage_to_the_record),
                         ("usable on a tablet-sized screen", tablet),
                         ("an operator works a traveler on the tablet pages: steps, an out-of-limit value opens an "
                          "NCR, the MRB dispositions it, quality signs the hold point, the serial's trace shows the "
                          "heat", operator_pages),
                         ("no Content-Security-Policy violation in the browser console", content_security_policy),
                         ("a wichita operator sees only wichita and gets 403 on Toulouse", site_scoped_user),
                         ("the wichita operator's blueprint and lineage hold wichita only", site_scoped_blueprint_and_lineage)]:
            check(name, fn)
    finally:
        driver.quit()
        check("spar serve stops cleanly on SIGTERM", server.stop)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
