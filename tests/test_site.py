"""The documentation site, built and looked at in headless Chromium.

Builds the site (``mkdocs build --strict``) into a temporary folder, serves it
with ``http.server`` on localhost and checks that the home, tutorial and a
reference page render (Chromium's ``--dump-dom``), that navigation works (a
click on the sidebar link), that search works (the index holds the words and a
query in the browser finds pages; this uses a few Chrome DevTools Protocol
commands over ``--remote-debugging-pipe``, because search runs in a web worker
after the page has loaded), and that no link or image in the built HTML is
broken.  Runs only where Chromium and the docs extra are installed; needs no
network.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import posixpath
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                 if shutil.which(n)), None)

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.slow,
]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio"]


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="the docs extra is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(ROOT / "mkdocs.yml"), "--site-dir", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page has loaded and its scripts have run."""
    proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, "--dump-dom", f"--user-data-dir={profile}",
                           "--virtual-time-budget=3000", url],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"chromium failed on {url}:\n{proc.stderr[-2000:]}"
    return proc.stdout


def _nav_labels(dom: str) -> set[str]:
    found = re.finditer(r'<a[^>]*class="md-nav__link[^"]*"[^>]*>(.*?)</a>', dom, re.S)
    return {" ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split()) for m in found}


class Browser:
    """A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        def pipes() -> None:  # in the child, before exec: our ends of the pipes become fds 3 and 4
            read_end, write_end = os.dup(to_child), os.dup(from_child)  # neither can be 3 or 4 by accident now
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, "--remote-debugging-pipe",
                                      f"--user-data-dir={profile}", "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=pipes, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Runtime.enable", session=self.session)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise EOFError("chromium closed the debugging pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait_for(f"location.href.startsWith({json.dumps(url.split('?')[0])}) "
                      "&& document.readyState === 'complete'", timeout=30)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                           session=self.session)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            time.sleep(0.1)

    def errors(self) -> list[str]:
        return [json.dumps(e["params"])[:300] for e in self.events if e.get("method") == "Runtime.exceptionThrown"]

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (OSError, RuntimeError, TimeoutError, EOFError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._in)
        os.close(self._out)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    b = Browser(tmp_path_factory.mktemp("chromium-cdp"))
    try:
        yield b
    finally:
        b.close()


# ---------------------------------------------------------------------------- rendering

PAGES = {
    "": ("treaty", ["Quick start", "One comparison", "Jaccard", "profile-matrix.svg"]),
    "tutorial/": ("Tutorial", ["Explain a clause", "trigger.state_of_war", "item4", "clauses.agreements.csv"]),
    "reference/cli/": ("Command line", ["Usage: treaty parse", "Usage: treaty compare", "--max-size"]),
}


@pytest.mark.parametrize("page", list(PAGES), ids=lambda p: p or "home")
def test_page_renders(server: str, page: str, tmp_path: Path) -> None:
    dom = dump_dom(server + page, tmp_path / "profile")
    title, needles = PAGES[page]
    assert "<h1" in dom and title in dom.split("<h1", 1)[1].split("</h1>", 1)[0]
    for needle in needles:
        assert needle in dom, f"{page or 'home'}: {needle!r} missing from the rendered page"
    # Material's scripts ran: they add copy buttons to code blocks.
    assert "md-code__button" in dom or "md-clipboard" in dom, "the theme's JavaScript did not run"
    # The sidebar lists every page of mkdocs.yml's nav.
    labels = _nav_labels(dom)
    for label in ("Home", "Tutorial", "The pipeline", "Command line", "Python API", "JSON Schema", "Vocabularies",
                  "Limitations"):
        assert label in labels, f"navigation lacks {label!r}: {sorted(labels)}"
    for bad in ("DocsError", "Traceback (most recent call last)", "<!-- gen:", "<!-- output"):
        assert bad not in dom, f"{page or 'home'}: {bad!r} in the rendered page"


def test_navigation_click(server: str, browser: Browser) -> None:
    browser.goto(server)
    clicked = browser.evaluate("""(() => {
        const link = [...document.querySelectorAll('.md-nav--primary a.md-nav__link')]
            .find(a => a.textContent.trim() === 'Tutorial');
        if (!link) return false;
        link.click();
        return true;
    })()""")
    assert clicked, "no 'Tutorial' link in the primary navigation"
    where = browser.wait_for("location.pathname.endsWith('/tutorial/') && document.readyState === 'complete' "
                             "&& document.querySelector('h1') && document.querySelector('h1').textContent")
    assert where.startswith("Tutorial")
    browser.goto(server + "reference/cli/")
    assert browser.evaluate("document.querySelector('h1').textContent").startswith("Command line")
    assert not browser.errors(), f"JavaScript errors: {browser.errors()}"


def test_search(server: str, site: Path, browser: Browser) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d.get("title", "") + " " + d.get("text", "") for d in index["docs"])
    for word in ("consultation", "Jaccard", "state_of_war", "compile_phrase", "Pyongyang"):
        assert word in text, f"{word!r} is not in the search index"
    browser.goto(server + "?q=Jaccard")
    meta = browser.wait_for("""(() => {
        const items = document.querySelectorAll('.md-search-result__item');
        const meta = document.querySelector('.md-search-result__meta');
        return items.length > 0 && meta ? meta.textContent.trim() : false;
    })()""", timeout=30)
    assert "matching" in meta
    hits = browser.evaluate("[...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)")
    assert any("comparison" in h for h in hits), hits
    assert not browser.errors(), f"JavaScript errors: {browser.errors()}"


# ---------------------------------------------------------------------------- links

class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])  # type: ignore[arg-type]
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])  # type: ignore[arg-type]
        for key in ("href", "src"):
            value = a.get(key)
            if value and not (tag == "link" and a.get("rel") in ("canonical", "alternate")):
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_no_broken_links(site: Path) -> None:
    pages = {p: _parse(p) for p in site.rglob("*.html") if p.name != "404.html"}
    broken = []
    checked = 0
    for page, parsed in pages.items():
        base = "/" + page.relative_to(site).as_posix()
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "data:", "javascript:")):
                continue
            target_path = posixpath.normpath(urljoin(base, unquote(parts.path))) if parts.path else base
            target = site / target_path.lstrip("/")
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link} (no {target.relative_to(site)})")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no id {parts.fragment!r})")
    assert checked > 100
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_generated_files(site: Path, server: str) -> None:
    for name in ("img/profile-matrix.svg", "img/similarity.svg"):
        with urlopen(server + name, timeout=10) as response:  # noqa: S310 - our local server
            assert response.status == 200
            assert response.read().lstrip().startswith((b"<?xml", b"<svg"))
    schemas = list((site / "schema").glob("*.json"))
    assert schemas, "the JSON Schema file was not published"
    schema = json.loads(schemas[0].read_text(encoding="utf-8"))
    assert "properties" in schema and "nodes" in schema["properties"]
