"""The curators' pages (/ui/) in a real browser: headless Chromium driven by selenium against a
real `crosshash serve` on a loopback port, over a small known corpus made from Tests/Fixtures.

Run by scripts/browser_test.sh (which installs Chromium, chromedriver and selenium when missing):
    python3 scripts/browser_test.py BINARY SCREENSHOT_FOLDER
Checks: the datasets page lists the datasets; the gallery shows the known pairs with every
thumbnail loaded; a file named with <script> renders as text; pressing d marks the first pair
"different", which survives a server restart and takes the pair out of the next
`analyze --store`'s verified_cross_duplicates.json; a picture chosen on the search page shows
its known copy; with --api-key-file the login page opens a session. Screenshots at 1280x800.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures" / "images" / "real"
HOSTILE = "<script>x.png"
# dataset a -> dataset b: each file of a has its copy in b under another name.
CORPUS = {
    "a": {"goldfish.jpg": "goldfish.jpg", "city.png": "city.png", HOSTILE: "desert.png"},
    "b": {"fish_copy.jpg": "goldfish.jpg", "city_copy.png": "city.png", "desert.png": "desert.png",
          "rollpaper.jpg": "rollpaper.jpg"},
}
COPIES = {("a", "goldfish.jpg"): ("b", "fish_copy.jpg"), ("a", "city.png"): ("b", "city_copy.png"),
          ("a", HOSTILE): ("b", "desert.png")}


class Server:
    """`crosshash serve` on 127.0.0.1, port chosen by the server, stopped with SIGTERM."""

    def __init__(self, binary, store, root, key_file=None):
        args = [binary, "serve", "--store", store, "--listen", "127.0.0.1:0", "--root", root, "--device", "cpu"]
        if key_file:
            args += ["--api-key-file", key_file]
        self.log = tempfile.NamedTemporaryFile(prefix="crosshash-browser-serve-", suffix=".log", delete=False)
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        self.url = None
        while self.url is None:
            text = Path(self.log.name).read_text(errors="replace")
            found = re.search(r"crosshash: listening on (http://127\.0\.0\.1:\d+)", text)
            if found:
                self.url = found.group(1)
            elif self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("the server did not start:\n" + text)
            else:
                time.sleep(0.1)

    def call(self, method, path, body=None, key=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", "Bearer " + key)
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def make_corpus(folder):
    for dataset, files in CORPUS.items():
        (folder / dataset).mkdir(parents=True)
        for name, fixture in files.items():
            shutil.copyfile(FIXTURES / fixture, folder / dataset / name)


def scan(server, root):
    for dataset in CORPUS:
        server.call("PUT", "/v1/datasets/" + dataset, {"root": str(root / dataset)})
        job = server.call("POST", "/v1/datasets/%s/scan" % dataset)["job"]
        deadline = time.time() + 120
        while True:
            state = server.call("GET", "/v1/jobs/" + job)
            if state["state"] in ("done", "failed"):
                check(state["state"] == "done", "scan of %s: %s" % (dataset, state))
                break
            check(time.time() < deadline, "scan of %s did not finish" % dataset)
            time.sleep(0.2)


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800",
                 "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    # The viewport itself 1280x800 (a window of that size has a smaller viewport).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.set_page_load_timeout(60)
    return driver


def all_images_loaded(driver):
    return driver.execute_script(
        "const imgs = Array.from(document.images);"
        "return imgs.length > 0 && imgs.every(i => i.complete) ? imgs.map(i => i.naturalWidth) : null;")


def pair_refs(li):
    return (json.loads(li.get_attribute("data-a")), json.loads(li.get_attribute("data-b")))


def gallery(driver, server):
    driver.get(server.url + "/ui/pairs?datasets=a,b&family=phash")
    WebDriverWait(driver, 60).until(lambda d: all_images_loaded(d) is not None)
    return driver.find_elements(By.CSS_SELECTOR, "li.pair")


def screenshot(driver, folder, name):
    # The 1280x800 viewport: what a curator sees first.
    driver.save_screenshot(str(folder / name))


def main():
    binary, shots = sys.argv[1], Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="crosshash-browser-"))
    server = driver = None
    try:
        corpus = work / "root"
        make_corpus(corpus)
        store = str(work / "store.sqlite")
        server = Server(binary, store, str(corpus))
        scan(server, corpus)
        driver = browser()

        # 1. The datasets page lists both datasets.
        driver.get(server.url + "/ui/")
        names = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "table.datasets tbody th")]
        check(names == ["a", "b"], "datasets page lists %s" % names)
        screenshot(driver, shots, "datasets.png")
        print("datasets page: lists a, b")
        # The scan button starts a scan of a; the page follows its job and shows it done.
        driver.find_element(By.CSS_SELECTOR, "button.scan[data-dataset='a']").click()
        WebDriverWait(driver, 60).until(
            lambda d: "scan-000003: done" in d.find_element(By.CSS_SELECTOR, "table.datasets tbody tr td.last-scan").text)
        print("datasets page: the scan button ran scan-000003 of a to done")

        # 2. The gallery: the known pairs, every thumbnail decoded, the hostile name as text.
        pairs = gallery(driver, server)
        found = set()
        for li in pairs:
            a, b = pair_refs(li)
            found.add(((a["dataset"], a["file"]), (b["dataset"], b["file"])))
        for a, b in COPIES.items():
            check((a, b) in found or (b, a) in found, "the gallery lacks the pair %s / %s: it has %s" % (a, b, sorted(found)))
        widths = all_images_loaded(driver)
        check(all(w > 0 for w in widths), "a thumbnail did not load: natural widths %s" % widths)
        captions = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "figcaption")]
        check(any(HOSTILE in c for c in captions), "the file %s is not shown as text: %s" % (HOSTILE, captions))
        check(len(driver.find_elements(By.TAG_NAME, "script")) == 1, "a file name became a script element")
        check(driver.find_elements(By.XPATH, "//img[@alt='a: %s']" % HOSTILE), "no img with alt 'a: %s'" % HOSTILE)
        screenshot(driver, shots, "pairs.png")
        # A phone-width window: nothing wider than the screen.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        for path in ("/ui/", "/ui/pairs?datasets=a,b", "/ui/search"):
            driver.get(server.url + path)
            wide = driver.execute_script("return document.documentElement.scrollWidth")
            check(wide <= 390, "%s is %d px wide in a 390 px window" % (path, wide))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        pairs = gallery(driver, server)
        print("phone width (390 px): no page scrolls sideways")
        print("gallery: %d pairs, %d thumbnails loaded, %s shown as text" % (len(pairs), len(widths), HOSTILE))

        # 3. d on the first pair (j selects it) marks it different.
        first = pairs[0]
        marked = pair_refs(first)
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("j")
        body.send_keys("d")
        WebDriverWait(driver, 30).until(lambda d: first.find_element(By.CSS_SELECTOR, ".review").text == "different")
        print("pressed d: %s / %s marked different" % (marked[0]["file"], marked[1]["file"]))
        # j moves to the next pair; u marks it unsure; z undoes that (the review is deleted).
        second = pairs[1]
        body.send_keys("j")
        body.send_keys("u")
        WebDriverWait(driver, 30).until(lambda d: second.find_element(By.CSS_SELECTOR, ".review").text == "unsure")
        body.send_keys("z")
        WebDriverWait(driver, 30).until(lambda d: second.find_element(By.CSS_SELECTOR, ".review").text == "none")
        reviews = server.call("GET", "/v1/reviews")["reviews"]
        check([r["decision"] for r in reviews] == ["different"], "after u then z the store holds %s" % reviews)
        print("pressed j, u, z: the second pair's review was made and undone")

        # ... and it persists across a restart of the server on the same store.
        server.stop()
        server = Server(binary, store, str(corpus))
        decisions = {}
        for li in gallery(driver, server):
            decisions[json.dumps(pair_refs(li))] = li.find_element(By.CSS_SELECTOR, ".review").text
        check(decisions.get(json.dumps(marked)) == "different", "after a restart the pair shows %s" % decisions.get(json.dumps(marked)))
        print("after a restart: still different")

        # 4. Search: choosing the goldfish shows its copy in b.
        driver.get(server.url + "/ui/search")
        driver.find_element(By.ID, "picture").send_keys(str(FIXTURES / "goldfish.jpg"))
        WebDriverWait(driver, 60).until(
            lambda d: any(p.text == "b: fish_copy.jpg" for p in d.find_elements(By.CSS_SELECTOR, ".match-name")))
        WebDriverWait(driver, 30).until(lambda d: all_images_loaded(d) is not None)
        check(all(w > 0 for w in all_images_loaded(driver)), "a match's thumbnail did not load")
        screenshot(driver, shots, "search.png")
        print("search: goldfish.jpg finds b: fish_copy.jpg")
        # ... and so does its pasted phash.
        phash = server.call("GET", "/v1/datasets/a/images/goldfish.jpg")["phash"]
        driver.get(server.url + "/ui/search")
        driver.find_element(By.ID, "hash").send_keys(phash)
        driver.find_element(By.CSS_SELECTOR, "form.hash-search button").click()
        WebDriverWait(driver, 60).until(
            lambda d: any(p.text == "b: fish_copy.jpg" for p in d.find_elements(By.CSS_SELECTOR, ".match-name")))
        print("search: the pasted phash %s finds b: fish_copy.jpg" % phash)
        server.stop()
        server = None

        # 5. The next analyze on the store leaves the pair marked different out of the verified file.
        out = work / "out"
        subprocess.run([binary, "analyze", "--store", store, "--device", "cpu", "--out", str(out),
                        "a=" + str(corpus / "a"), "b=" + str(corpus / "b")], check=True, stdout=subprocess.DEVNULL, timeout=300)
        verified = json.loads((out / "verified_cross_duplicates.json").read_text())
        rows = {frozenset([(p["a"]["dataset"], p["a"]["file"]), (p["b"]["dataset"], p["b"]["file"])]) for p in verified["pairs"]}
        gone = frozenset([(marked[0]["dataset"], marked[0]["file"]), (marked[1]["dataset"], marked[1]["file"])])
        check(gone not in rows, "analyze --store still verifies the pair marked different")
        check(len(rows) == len(COPIES) - 1, "analyze verified %d pairs, not the %d copies less the one marked different" % (len(rows), len(COPIES) - 1))
        print("analyze --store: the pair marked different left verified_cross_duplicates.json (%d verified)" % len(rows))

        # 6. With --api-key-file: pages need a session, opened by typing the key once.
        key_file = work / "keys"
        key_file.write_text("browser-test-key\n")
        server = Server(binary, store, str(corpus), key_file=str(key_file))
        driver.delete_all_cookies()
        driver.get(server.url + "/ui/")
        check(driver.current_url.endswith("/ui/login"), "without a session /ui/ went to %s" % driver.current_url)
        driver.find_element(By.NAME, "key").send_keys("wrong")
        driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))
        driver.find_element(By.NAME, "key").send_keys("browser-test-key")
        driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.datasets"))
        cookie = driver.get_cookie("crosshash_session")
        check(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", "session cookie %s" % cookie)
        pairs = gallery(driver, server)
        check(pairs and all(w > 0 for w in all_images_loaded(driver)), "with a session the gallery's thumbnails load")
        print("login: the key opens a session (HttpOnly, SameSite=Strict); pages and thumbnails load with it")
        print("browser test: PASS")
    finally:
        if driver:
            driver.quit()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
