"""Read every article file under the data directory, whatever its format, into Articles.

Formats (documented for admins in data/README.md):
  * a raw newspaper page dump (.txt): several articles, parsed by index.page_parser;
  * one article per .md/.txt with a small header (title/date/source lines, then the body);
  * .jsonl, one article per line: {title, date, text, source, url?} (DXY-style field names accepted).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from index.page_parser import parse_page
from news.records import Article, SourceProblem, article_id

if TYPE_CHECKING:
    from config.profile import Profile

SUFFIXES = (".txt", ".md", ".jsonl")
HEADER_KEYS = {
    "title": "title", "标题": "title",
    "date": "date", "日期": "date",
    "source": "source", "来源": "source",
    "url": "url", "链接": "url",
    "byline": "byline", "作者": "byline",
}
HEADER_LINE = re.compile(r"^\s*(\w+|标题|日期|来源|链接|作者)\s*[:：]\s*(.*)$")
# alternative field names seen in public news dumps (DXY: pubDate, summary, infoSource, sourceUrl)
JSON_FIELDS = {
    "title": ("title", "headline"),
    "date": ("date", "pubDate", "published", "publishedAt"),
    "text": ("text", "summary", "content", "body", "paragraphs"),
    "source": ("source", "infoSource", "paper"),
    "url": ("url", "sourceUrl", "link"),
}
CHINA_TZ = timezone(timedelta(hours=8))


@dataclass
class Corpus:
    """What a scan of the data directory found."""

    articles: list[Article] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0


def scan(data_dir: Path, default_year: int, profile: Profile, max_file_mb: float = 50.0) -> Corpus:
    """Parse every supported file under ``data_dir`` (sorted, recursive); duplicates are kept once.

    Files over ``max_file_mb`` are reported and skipped (split them into smaller files). ``profile`` names the
    home paper of page dumps.
    """
    corpus = Corpus()
    if not data_dir.is_dir():
        corpus.problems.append(SourceProblem(str(data_dir), None, "data directory does not exist"))
        return corpus
    seen: set[str] = set()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        rel = path.relative_to(data_dir).as_posix()
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            corpus.file_hashes[rel] = f"skipped-too-large:{size}"
            corpus.problems.append(SourceProblem(
                rel, None, f"{size / 1048576:.0f} MB is over the {max_file_mb:g} MB limit (MAX_FILE_MB); split it"))
            continue
        raw = path.read_bytes()
        corpus.file_hashes[rel] = hashlib.sha256(raw).hexdigest()
        for article in read_file(raw, rel, default_year, corpus.problems, profile):
            if article.id in seen:
                corpus.duplicates += 1
                continue
            seen.add(article.id)
            corpus.articles.append(article)
    return corpus


def read_file(
    raw: bytes, rel: str, default_year: int, problems: list[SourceProblem], profile: Profile
) -> list[Article]:
    """Parse one file's bytes; what cannot be used is appended to ``problems``."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.append(SourceProblem(rel, line, f"not UTF-8 (byte {err.start}); save the file as UTF-8"))
        return []
    text = text.replace("\x00", "")
    if not text.strip():
        problems.append(SourceProblem(rel, None, "empty file"))
        return []
    if rel.lower().endswith(".jsonl"):
        return _read_jsonl(text, rel, default_year, problems)
    header, body, body_line = _split_header(text)
    if "title" in header:
        return _single_article(header, body, body_line, rel, default_year, problems)
    articles = parse_page(text, rel, default_year, profile)
    if not articles:
        problems.append(SourceProblem(rel, None, "no article found (no headline followed by text)"))
    return articles


def _split_header(text: str) -> tuple[dict[str, str], str, int]:
    """A leading block of ``key: value`` lines (optionally fenced by ---) and the body after it."""
    lines = text.replace("\r\n", "\n").split("\n")
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fenced = i < len(lines) and lines[i].strip() == "---"
    if fenced:
        i += 1
    while i < len(lines):
        found = HEADER_LINE.match(lines[i])
        key = HEADER_KEYS.get(found.group(1).lower() if found else "")
        if not found or key is None:
            break
        header[key] = found.group(2).strip()
        i += 1
    if fenced and i < len(lines) and lines[i].strip() == "---":
        i += 1
    if "title" not in header:
        return {}, text, 1
    return header, "\n".join(lines[i:]), i + 1


def _single_article(
    header: dict[str, str], body: str, body_line: int, rel: str, default_year: int,
    problems: list[SourceProblem],
) -> list[Article]:
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    if not paragraphs:
        problems.append(SourceProblem(rel, body_line, "header but no article text"))
        return []
    when = parse_date(header.get("date", ""), default_year)
    if header.get("date") and when is None:
        problems.append(SourceProblem(rel, None, f"unreadable date {header['date']!r}; article kept undated"))
    text = "\n".join(paragraphs)
    title = header["title"]
    body_lines = body.split("\n")
    last = max(i for i, line in enumerate(body_lines) if line.strip())  # not the trailing blank lines
    return [
        Article(
            id=article_id(title, text), title=title, date=when, byline=header.get("byline", ""),
            source=rel, text=text, line_start=1, line_end=body_line + last,
            url=header.get("url", ""), paper=header.get("source", ""), published=when,
        )
    ]


def _field(record: dict, name: str) -> object:
    for key in JSON_FIELDS[name]:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _read_jsonl(text: str, rel: str, default_year: int, problems: list[SourceProblem]) -> list[Article]:
    articles = []
    for no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(SourceProblem(rel, no, f"not valid JSON ({err.msg})"))
            continue
        if not isinstance(record, dict):
            problems.append(SourceProblem(rel, no, "expected a JSON object"))
            continue
        title, body = _field(record, "title"), _field(record, "text")
        if isinstance(body, list):
            body = "\n".join(str(p) for p in body)
        # white space only counts as missing: an article without words would be indexed as nothing
        missing = [
            name for name, value in (("title", title), ("text", body)) if value is None or not str(value).strip()
        ]
        if missing:
            problems.append(SourceProblem(rel, no, f"missing field(s): {', '.join(missing)}"))
            continue
        raw_date = _field(record, "date")
        when = parse_date(raw_date, default_year) if raw_date is not None else None
        paragraphs = [p.strip() for p in str(body).split("\n") if p.strip()]
        text_body = "\n".join(paragraphs)
        articles.append(
            Article(
                id=article_id(str(title), text_body), title=str(title).strip(), date=when, byline="",
                source=rel, text=text_body, line_start=no, line_end=no,
                url=str(_field(record, "url") or ""), paper=str(_field(record, "source") or ""), published=when,
            )
        )
    return articles


def parse_date(value: object, default_year: int) -> str | None:
    """ISO date from '2020-02-20', '2020/2/20', '2020年2月20日', '20200220', '2月20日' or epoch (s or ms)."""
    compact = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", value.strip()) if isinstance(value, str) else None
    if compact:  # "20200220" is a date, not 20 million seconds after 1970
        try:
            return datetime(*(int(g) for g in compact.groups())).date().isoformat()
        except ValueError:
            return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:
            number /= 1000.0  # milliseconds
        return datetime.fromtimestamp(number, tz=CHINA_TZ).date().isoformat()
    text = str(value).strip()
    found = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text)
    if found:
        year, month, day = (int(g) for g in found.groups())
    else:
        found = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
        if not found:
            return None
        year, month, day = default_year, int(found.group(1)), int(found.group(2))
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None
