"""A4 PDFs of the pages a batch writes, printed by headless Chromium over the DevTools protocol.

Two Chromiums (one thread each) are started while the province reports run and print each
report as soon as its HTML is written (``Page.printToPDF``), so the PDFs cost little
wall time beyond the reports. The header and footer Chromium draws on every page carry the
as-of month, the synthetic-data warning where it applies and the page numbers; the page's own
print stylesheet (:mod:`dxanalysis.report.print_css`) keeps table rows and figures whole.

A page that fails (its renderer crashed, a time-out, a PDF that cannot be written) is
reported by name; the others are written. Chromium follows its parent: a batch that dies takes
its browser with it.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from ..core.errors import DxError
from ..core.files import atomic_write_bytes

#: Browser binaries tried in this order; ``DX_CHROMIUM`` names another (or a missing one, in tests).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "apt-get install chromium"
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # containers often run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
    "--remote-debugging-port=0",
)
#: A4 in inches (the unit of printToPDF); margins leave room for the header and footer.
A4 = {"paperWidth": 8.27, "paperHeight": 11.69, "marginTop": 0.6, "marginBottom": 0.6, "marginLeft": 0.5, "marginRight": 0.5}
PAGE_SECONDS = 60.0


class NoChromium(DxError):
    """No browser to print with: one line naming the install command."""


def find_chromium() -> str:
    """The browser binary: ``DX_CHROMIUM`` if set, else the first of :data:`CANDIDATES` on PATH.

    Raises
    ------
    NoChromium
        With one line naming the install command.
    """
    named = os.environ.get("DX_CHROMIUM", "").strip()
    if named:
        found = shutil.which(named)
        if found:
            return found
        raise NoChromium(f"no Chromium at DX_CHROMIUM={named}: install it with `{INSTALL_HINT}` or fix DX_CHROMIUM")
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise NoChromium(f"no Chromium found ({', '.join(CANDIDATES)}): install it with `{INSTALL_HINT}` or set DX_CHROMIUM")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the browser gets SIGTERM when the batch dies (SIGKILL included), never left running."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Chromium:
    """One headless Chromium with its DevTools endpoint and a fresh profile.

    Parameters
    ----------
    binary : str
        The browser (see :func:`find_chromium`).
    log : Path, optional
        Where the browser's own messages go (the batch log); default: discarded.
    """

    def __init__(self, binary: str, log: Path | None = None):
        self.profile = tempfile.mkdtemp(prefix="dx-chromium-")
        stderr = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed in close()
        self._log = stderr
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                break
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        else:
            self.close()
            raise DxError(f"Chromium ({binary}) did not open its DevTools port within 30 s")
        if self.process.poll() is not None:
            self.close()
            raise DxError(f"Chromium ({binary}) exited at start-up (code {self.process.returncode})")
        self.port = int(port_file.read_text().splitlines()[0])

    def alive(self) -> bool:
        return self.process.poll() is None

    def tab(self) -> Tab:
        """A new tab, connected."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Tab(self, json.loads(answer.read()))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """One page target of a :class:`Chromium`, driven over its own websocket."""

    def __init__(self, browser: Chromium, target: dict):
        import websocket

        self.browser, self.id = browser, target["id"]
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=PAGE_SECONDS, suppress_origin=True)
        self.counter = 0
        self.send("Page.enable")

    def send(self, method: str, params: dict | None = None, until: float | None = None) -> dict:
        """Call ``method`` and return its result; a crash of the page or an error raises."""
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params or {}}))
        return self.wait(lambda m: m.get("id") == self.counter, until)

    def wait(self, done, until: float | None = None) -> dict:
        deadline = until or time.monotonic() + PAGE_SECONDS
        while True:
            if time.monotonic() > deadline:
                raise DxError(f"Chromium did not answer within {PAGE_SECONDS:.0f} s")
            message = json.loads(self.ws.recv())
            if message.get("method") == "Inspector.targetCrashed":
                raise DxError("Chromium's page renderer crashed")
            if done(message):
                if "error" in message:
                    raise DxError(f"Chromium: {message['error'].get('message', message['error'])}")
                return message.get("result", message.get("params", {}))

    def print_pdf(self, url: str, header: str, footer: str) -> bytes:
        """Load ``url`` and print it: A4, backgrounds, ``header`` and ``footer`` on every page."""
        until = time.monotonic() + PAGE_SECONDS
        navigated = self.send("Page.navigate", {"url": url}, until)
        if navigated.get("errorText"):  # a missing file would otherwise print Chromium's error page
            raise DxError(f"Chromium could not open {url}: {navigated['errorText']}")
        self.wait(lambda m: m.get("method") == "Page.loadEventFired", until)
        answer = self.send(
            "Page.printToPDF",
            {
                **A4,
                "printBackground": True,
                "displayHeaderFooter": True,
                "headerTemplate": header,
                "footerTemplate": footer,
                "preferCSSPageSize": False,
                "generateDocumentOutline": True,
            },
            until,
        )
        return base64.b64decode(answer["data"])

    def close(self) -> None:
        try:
            self.ws.close()
            urllib.request.urlopen(f"http://127.0.0.1:{self.browser.port}/json/close/{self.id}", timeout=5).close()
        except Exception:  # noqa: BLE001 - the browser may be gone; nothing left to close
            pass


def page_templates(as_of: str, warning: str, title: str) -> tuple[str, str]:
    """Chromium's header and footer for every page: ``title`` and the as-of line at the top, the
    synthetic-data ``warning`` (may be empty) and "page n / N" at the bottom. Escaped: the texts
    come from data and the catalog, and Chromium reads the templates as HTML."""
    style = "font-family:'DejaVu Sans',sans-serif;font-size:7.5px;color:#444;width:100%;margin:0 0.5in;"
    header = (
        f'<div style="{style}display:flex;justify-content:space-between">'
        f"<span>{html.escape(title)}</span><span>{html.escape(as_of)}</span></div>"
    )
    warn = f'<b style="color:#8a5a00">{html.escape(warning)}</b>' if warning else "<span></span>"
    footer = (
        f'<div style="{style}display:flex;justify-content:space-between">{warn}'
        '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
    )
    return header, footer


class Printer:
    """Prints pages to PDF with ``browsers`` headless Chromiums, one background thread each.

    :meth:`start` launches them (the caller goes on); :meth:`submit` queues a page as soon as
    its HTML exists; :meth:`finish` waits for every page and returns the failures,
    ``{name: one-line message}``. One browser per thread, not tabs of one browser: two tabs
    printing at once made Chromium 150 answer "Printing failed" now and then.

    Parameters
    ----------
    binary : str
        The browser.
    browsers : int
        Pages printed at once.
    log : Path, optional
        The browsers' own messages (the batch log).
    """

    def __init__(self, binary: str, browsers: int = 2, log: Path | None = None):
        self.binary, self.browsers, self.log = binary, max(1, browsers), log
        self.queue: queue.Queue = queue.Queue()
        self.failed: dict[str, str] = {}
        self.written: list[Path] = []
        self.templates: tuple[str, str] = ("", "")
        self._open: list[Chromium] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> Printer:
        for number in range(self.browsers):
            thread = threading.Thread(target=self._work, name=f"dx-pdf-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def set_page_text(self, as_of: str, warning: str) -> None:
        """The as-of line and the warning every page carries (known once the pipeline has run)."""
        self.templates = (as_of, warning)

    def submit(self, name: str, page: Path | str, pdf_path: Path, title: str) -> None:
        """Queue ``page`` (a file, or a URL) to be printed into ``pdf_path``; ``name`` reports a failure."""
        url = page if isinstance(page, str) and "://" in page else Path(page).resolve().as_uri()
        self.queue.put((name, url, Path(pdf_path), title))

    def finish(self) -> dict[str, str]:
        """Wait for every queued page, close the browsers; the failures by name."""
        for _ in self._threads:
            self.queue.put(None)
        for thread in self._threads:
            thread.join()
        return self.failed

    def abort(self) -> None:
        """Stop now (the batch was interrupted): the browsers are closed, queued pages dropped."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        for _ in self._threads:
            self.queue.put(None)
        with self._lock:
            for browser in self._open:
                browser.close()

    def _browser(self, current: Chromium | None) -> Chromium:
        """``current`` if it still runs, else a new browser (the first, or after a crash)."""
        if current is not None and current.alive():
            return current
        if current is not None:
            current.close()
        browser = Chromium(self.binary, self.log)
        with self._lock:
            self._open.append(browser)
        return browser

    def _work(self) -> None:
        browser: Chromium | None = None
        tab: Tab | None = None
        try:  # the browser gets ready while the reports run, before the first page comes
            browser = self._browser(None)
            tab = browser.tab()
        except Exception:  # noqa: BLE001 - tried again, and reported, with the first page
            pass
        while (item := self.queue.get()) is not None:
            name, url, pdf_path, title = item
            try:
                if tab is None:  # a fresh tab (and browser, if it died) after a failure
                    browser = self._browser(browser)
                    tab = browser.tab()
                header, footer = page_templates(*self.templates, title)
                data = tab.print_pdf(url, header, footer)
                atomic_write_bytes(data, pdf_path)
                with self._lock:
                    self.written.append(pdf_path)
            except Exception as exc:  # noqa: BLE001 - this page is reported failed; the others go on
                with self._lock:
                    self.failed[name] = f"PDF not written: {_one_line(exc)}"
                if tab is not None:
                    tab.close()
                tab = None
        if tab is not None:
            tab.close()
        if browser is not None:
            browser.close()


def _one_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__


__all__ = ["Printer", "Chromium", "NoChromium", "find_chromium", "page_templates", "INSTALL_HINT"]
