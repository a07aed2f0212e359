"""Visible English on the Chinese pages (issue 12, defect 9): a crawler that signs in as a role,
follows the links of the pages it reaches and reports every forbidden ASCII word in their visible
text. Codes a reader needs beside their Chinese name go in full-width parentheses (登录成功（login.success）)
and are not words of the page; attribute values, scripts and styles are not visible text, nor is
the stored text a form offers for editing (a textarea)."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

FORBIDDEN = [
    (re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z_]+\b"), "code such as login.success"),
    (re.compile(r"\b(?:True|False|None)\b"), "Python value"),
    (re.compile(r"\b(?:Owner|Site)\b"), "English label"),  # Django's label for an unlabelled field
    (re.compile(r"\b(?:high|medium|low)\b"), "confidence rating"),
    (re.compile(r"\b[A-Z][a-z]+(?: [a-z]+){2,}\b"), "English phrase"),
]
# Text a Chinese reader is meant to see as it is: a code beside its Chinese name, e-mail-like
# addresses and file names, the product name.
ALLOWED = re.compile(r"（[^（）]*）|\b[\w.+-]+@[\w.-]+\b|\b[\w-]+\.(?:csv|xlsx|png|svg|pdf|json)\b|Jiliang")
SKIPPED_PATHS = ("/admin/", "/api/", "/logout", "/log/", "/static/", "/media/", "/i18n/")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "template", "textarea"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "template", "textarea") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def offences(html: str) -> tuple[list[str], list[str]]:
    parser = _VisibleText()
    parser.feed(html)
    text = ALLOWED.sub(" ", " ".join(parser.parts))
    found = [f"{why}: {match.group(0)!r} in …{text[max(0, match.start() - 30):match.end() + 30].strip()}…"
             for pattern, why in FORBIDDEN for match in pattern.finditer(text)]
    return found, parser.links


def crawl(client, start: str = "/", limit: int = 80, per_prefix: int = 3) -> dict[str, list[str]]:
    """Pages reachable from ``start`` (at most ``per_prefix`` per path shape, ``limit`` in all) and
    the forbidden words on each."""
    seen, shapes, found = set(), {}, {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = urldefrag(queue.popleft())[0]
        parsed = urlparse(url)
        if parsed.netloc or url in seen or parsed.path.startswith(SKIPPED_PATHS) or "export=" in parsed.query:
            continue
        shape = re.sub(r"\d+", "N", parsed.path)
        if shapes.get(shape, 0) >= per_prefix:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        words, links = offences(response.content.decode())
        if words:
            found[url] = words
        queue.extend(link for link in links if link.startswith("/") or link.startswith("?"))
    return found
