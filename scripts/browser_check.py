"""Load every report page in headless Chromium; fail on a console error, a script error or a
broken image (``make test-browser``, after ``make report``).

Chromium comes from the system's package manager (Debian/Ubuntu: ``sudo apt-get install
chromium``); this script talks to it over the DevTools protocol (websocket-client, pinned in the
lock), so no browser driver or Node.js is needed. Pages are opened from ``file://``, as users open
them. Besides errors and images, each page's sortable tables are exercised: a click on a header
must reorder rows, and the filter box must hide rows, without an error.

Usage: ``python scripts/browser_check.py [REPORTS_DIR] [--chromium PATH]``; exit 0 all clean, 1
problems found (each listed), 2 no Chromium or no reports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

BROKEN_IMAGES_JS = """
Array.from(document.images)
  .filter(img => !img.complete || img.naturalWidth === 0)
  .map(img => (img.getAttribute('src') || '').slice(0, 80))
"""

# Sort by the first sortable header and filter the first filterable table; report what happened.
TABLE_JS = """
(() => {
  const out = {tables: document.querySelectorAll('table.sortable').length, sorted: null, filtered: null};
  const table = document.querySelector('table.sortable');
  if (!table) return out;
  const rows = () => Array.from(table.querySelectorAll('tr')).filter(r => !r.querySelector('th'));
  const text = () => rows().map(r => r.innerText).join('|');
  const before = text();
  const header = table.querySelector('tr th');
  header.click(); const once = text(); header.click(); const twice = text();
  out.sorted = rows().length < 2 || once !== twice || once !== before;
  const box = document.querySelector('input#filter');
  if (box) {
    box.value = 'zzzz-no-such-province';
    box.dispatchEvent(new Event('input'));
    out.filtered = rows().every(r => r.style.display === 'none');
    box.value = ''; box.dispatchEvent(new Event('input'));
  }
  return out;
})()
"""


class Browser:
    """One headless Chromium with its DevTools endpoint."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="dx-chromium-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",  # containers often run as root, where the sandbox refuses to start
                "--disable-gpu",
                "--allow-file-access-from-files",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        else:
            self.close()
            raise RuntimeError("Chromium did not start (no DevToolsActivePort)")
        self.port = int(port_file.read_text().splitlines()[0])

    def open(self, url: str) -> dict:
        """Load ``url`` in a fresh tab; return console errors, exceptions, broken images, table checks."""
        import websocket

        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            target = json.loads(answer.read())
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=20, suppress_origin=True)
        counter = 0
        errors: list[str] = []

        def send(method: str, params: dict | None = None) -> dict:
            nonlocal counter
            counter += 1
            ws.send(json.dumps({"id": counter, "method": method, "params": params or {}}))
            while True:
                message = json.loads(ws.recv())
                if message.get("id") == counter:
                    return message.get("result", {})
                note(message)

        def note(message: dict) -> None:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                errors.append("script error: " + details.get("exception", {}).get("description", details.get("text", "")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"log: {params['entry'].get('text', '')} {params['entry'].get('url', '')}".strip())

        try:
            for domain in ("Page", "Runtime", "Log"):
                send(f"{domain}.enable")
            send("Page.navigate", {"url": url})
            deadline = time.time() + 30
            while time.time() < deadline:
                message = json.loads(ws.recv())
                note(message)
                if message.get("method") == "Page.loadEventFired":
                    break
            time.sleep(0.2)  # late console messages
            broken = send("Runtime.evaluate", {"expression": BROKEN_IMAGES_JS, "returnByValue": True})
            tables = send("Runtime.evaluate", {"expression": TABLE_JS, "returnByValue": True})
            ws.settimeout(0.3)
            try:
                while True:
                    note(json.loads(ws.recv()))
            except websocket.WebSocketTimeoutException:
                pass
        finally:
            ws.close()
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/close/{target['id']}", timeout=10).close()
        return {
            "errors": errors,
            "broken_images": broken.get("result", {}).get("value", []),
            "tables": tables.get("result", {}).get("value", {}),
        }

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def pages(reports: Path) -> list[Path]:
    return sorted(reports.glob("*.html")) + sorted((reports / "provinces").glob("*.html"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="?", default="reports", help="folder written by dx batch (default reports/)")
    parser.add_argument("--chromium", help="the browser binary (default: chromium, chromium-browser or google-chrome)")
    args = parser.parse_args(argv)
    binary = args.chromium or next((shutil.which(c) for c in CANDIDATES if shutil.which(c)), None)
    if not binary:
        print(
            "no Chromium found: install it from the system's packages (Debian/Ubuntu: sudo apt-get install chromium) "
            "or pass --chromium PATH",
            file=sys.stderr,
        )
        return 2
    reports = Path(args.reports).resolve()
    found = pages(reports)
    if not (reports / "index.html").exists() or not found:
        print(f"no reports in {reports}: run `make report` first", file=sys.stderr)
        return 2
    browser = Browser(binary)
    problems: list[str] = []
    try:
        for page in found:
            result = browser.open(page.as_uri())
            name = page.relative_to(reports)
            problems += [f"{name}: {e}" for e in result["errors"]]
            problems += [f"{name}: broken image {src!r}" for src in result["broken_images"]]
            tables = result["tables"] or {}
            if tables.get("tables") and tables.get("sorted") is False:
                problems.append(f"{name}: clicking a sortable header did not reorder the rows")
            if tables.get("filtered") is False:
                problems.append(f"{name}: the filter box did not hide non-matching rows")
    finally:
        browser.close()
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(found)} pages loaded in headless Chromium ({binary}): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
