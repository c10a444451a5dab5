"""Every page a batch writes: links resolve, images are embedded or present, the language is declared."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from dxanalysis.run import batch

pytestmark = pytest.mark.notebook


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.images, self.scripts, self.alts, self.lang = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
            self.alts.append(attrs.get("alt") or "")
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def _check_page(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    problems = [] if parser.lang else [f"{page.name}: no <html lang>"]
    for href in parser.links:
        url = urlparse(href)
        if url.scheme in ("http", "https", "mailto") or href.startswith("#"):
            continue
        if not (page.parent / unquote(url.path)).exists():
            problems.append(f"{page.name}: broken link {href}")
    # No page reaches out to the network (nbconvert's CDN require.js and MathJax are removed).
    problems += [f"{page.name}: external script {src}" for src in parser.scripts if urlparse(src).scheme]
    # Every chart has a text alternative of its own (its titles), never nbconvert's "No description".
    problems += [f"{page.name}: image without a description" for alt in parser.alts if not alt or "No description" in alt]
    for src in parser.images:
        if not (src.startswith("data:image/") or (page.parent / src).exists()):
            problems.append(f"{page.name}: image not embedded nor present: {src[:60]}")
    return problems


def _assert_nothing_but_the_report(out: Path) -> None:
    """No stderr stream in any published notebook, and no path of this machine in any page or
    in any notebook output (the injected parameters' own paths are inputs, not outputs)."""
    import sys

    import nbformat

    machine = {str(out), str(Path.home()), sys.prefix, str(Path(__file__).resolve().parents[2]), "site-packages"}
    for notebook in out.rglob("*.ipynb"):
        for cell in nbformat.read(notebook, as_version=4).cells:
            for output in cell.get("outputs", []):
                assert output.get("name") != "stderr", f"{notebook.name}: stderr in a report: {output.get('text', '')[:200]}"
                data = output.get("data", {})
                kinds = ("text/plain", "text/markdown", "text/html")
                shown = str(output.get("text", "")) + "".join(str(data.get(kind, "")) for kind in kinds)
                assert not [p for p in machine if p in shown], f"{notebook.name}: a machine path in an output"
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not [p for p in machine if p in text], f"{page.name}: a machine path in a published page"
        assert "UserWarning" not in text and "missing from font" not in text, page.name


def test_every_page_links_resolve_and_images_are_embedded(tmp_path):
    """Run in Vietnamese (the English pages are checked by every other batch test): every page
    declares lang="vi", and carries Vietnamese words, decimal commas and no English headings."""
    out = tmp_path / "reports"
    result = batch.run_batch(["01", "86"], jobs=2, out_dir=out, progress=False, lang="vi")
    assert not result.failed, result.failed
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 2 + 3 + 1  # two provinces, three other notebooks, the index
    problems = [problem for page in pages for problem in _check_page(page)]
    assert problems == []
    _assert_nothing_but_the_report(out)
    # Not one glyph missing: the warnings would have been moved to the log, so look there too.
    assert "missing from font" not in (out / "batch.log").read_text(encoding="utf-8")
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.lang == "vi", page.name
    province = (out / "provinces" / "86.html").read_text(encoding="utf-8")
    assert "Tóm tắt: các chỉ tiêu chưa đến hạn" in province and "Headline" not in province
    assert "Vĩnh Long" in province and "Đồng bằng sông Cửu Long" in province
    assert re.search(r"P=?\d,\d\d|>\d,\d\d<", province)  # P(hit) with a decimal comma
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Các chỉ tiêu chưa đến hạn" in index and "Targets still ahead" not in index
    assert re.search(r"P=\d,\d\d", index) and "tháng 10/2026" in index
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="provinces/01.html"' in index and 'href="provinces/86.html"' in index
    assert "<script>" in index and "<script src" not in index  # sorting/filtering inline, with no network
