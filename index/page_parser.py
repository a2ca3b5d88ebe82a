"""Split a raw newspaper page dump into articles and repair its layout breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from config.profile import Profile
from news.records import Article, article_id
from news.text import AUTHOR

# ">>> 下转A2版", ">>> 下转 A2 版①", "（下转A3版）", "上接A1版"
CONTINUATION = re.compile(r"\s*(?:>{2,}|（|\()?\s*[上下][转接]\s*[A-Z]?\s*\d+\s*版\s*[①-⑳]?\s*(?:）|\))?\s*")
TERMINAL = "。！？!?…；;"
CLOSERS = "”’」』）)"
PHOTO_CREDIT = re.compile(r"(?:记者|通讯员)\s*\S+(?:\s+\S+)*\s*摄\s*$")  # "株洲日报记者 张三 摄" too (a search)
SECTION = re.compile(r"^【.+】$")
HEADER = re.compile(r"^(paper|edition|date|year|source|page)\s*[:：]\s*(.+)$", re.IGNORECASE)
JUMP = re.compile(r"下转\s*([A-Z]?)\s*0?2\s*版")  # "下转A2版": the article goes on to page 2, so this page is 1
MAX_HEADING = 50
MAX_SUBHEADING = 24  # a heading-like line inside an article that is longer is a cut line of prose


@dataclass(frozen=True)
class PageWords:
    """The home paper's words a page is split by (from the profile): its name (a page without a ``paper:``
    header is its page), its datelines ("株洲日报讯 2月20日") and its reporters' bylines ("株洲日报记者 …")."""

    paper: str
    dateline: re.Pattern
    byline: re.Pattern


@lru_cache(maxsize=4)
def page_words(profile: Profile) -> PageWords:
    papers = "|".join(map(re.escape, profile.papers)) or "(?!)"
    datelines = "|".join(map(re.escape, profile.datelines)) or "(?!)"
    return PageWords(
        paper=profile.papers[0] if profile.papers else "",
        dateline=re.compile(rf"^(?:{datelines})\s*(?:(\d{{1,2}})月(\d{{1,2}})日)?"),
        byline=re.compile(rf"^(?:(?:{papers})记者|本报记者|记者|通讯员|特约记者|实习生)[\s/／:：]*\S"),
    )


@dataclass
class _Line:
    no: int  # 1-based line number in the file
    text: str
    gap: int  # blank lines before it
    kind: str = "body"  # heading | byline | caption | body
    end: int = 0  # last file line this logical line covers (after joining a break)


@dataclass
class _Draft:
    headings: list[_Line] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    body: list[_Line] = field(default_factory=list)
    extra_headings: list[str] = field(default_factory=list)


def _ends_sentence(text: str) -> bool:
    """Ends like a sentence: 。！？… or a closing quote right after one ("……。”")."""
    core = text.rstrip(CLOSERS)
    return bool(core) and core[-1] in TERMINAL or bool(PHOTO_CREDIT.search(text))


def _unbalanced(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count("（") > text.count("）") or (
        text.count("(") > text.count(")")
    )


def _is_fragment(text: str) -> bool:
    """A line cut by a column or page break: it cannot end a paragraph or be a headline."""
    if _ends_sentence(text):
        return False
    if len(text) > MAX_HEADING or text[-1] in "，、：:“（(—" or _unbalanced(text):
        return True
    if text.count("，") >= 2:  # headlines hold at most one comma; "据统计，今年春运期间，全市累计完成"
        return True
    clauses = re.split(r"[，、；：]", text)
    return len(clauses) > 1 and len(clauses[-1]) <= 2  # "…任务繁重，是"


def _cut_prose(text: str) -> bool:
    """A heading-looking line that is really prose cut by a column break ("…增加感染风险的主")."""
    if SECTION.match(text):
        return False
    return "。" in text or (len(text) > MAX_SUBHEADING and " " not in text)


def _classify(lines: list[_Line], words: PageWords) -> None:
    for i, line in enumerate(lines):
        text = line.text
        prev = lines[i - 1] if i else None
        if words.byline.match(text) and len(text) <= 60 and not _ends_sentence(text.rstrip("摄")):
            line.kind = "byline"
        elif PHOTO_CREDIT.search(text) and len(text) <= 120:
            line.kind = "caption"
        elif line.gap >= 2 and i and len(text) <= 100 and text.endswith("。") and text.count("。") == 1:
            line.kind = "caption"  # the line under a photo: a single sentence after a photo gap
        elif (
            AUTHOR.match(text)
            and prev is not None
            and prev.kind == "heading"
            and i + 1 < len(lines)
            and not words.byline.match(lines[i + 1].text)
        ):
            line.kind = "byline"
        elif SECTION.match(text) or (not _ends_sentence(text) and not _is_fragment(text)):
            line.kind = "heading"


def _join_fragments(lines: list[_Line], words: PageWords) -> tuple[list[_Line], dict[int, list[str]]]:
    """Join paragraphs cut by a column/page break; a headline dropped into the cut moves aside.

    Returns the repaired lines and, per repaired line number, headings found inside the cut.
    """
    out: list[_Line] = []
    moved: dict[int, list[str]] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind == "body" and _is_fragment(line.text):
            j = i + 1
            skipped: list[_Line] = []
            while j < len(lines) and lines[j].kind in ("caption", "heading") and len(skipped) < 3:
                skipped.append(lines[j])
                j += 1
            # a cut followed by a new article's byline is the article's end, not a break
            if j < len(lines) and lines[j].kind in ("body", "heading") and not words.dateline.match(lines[j].text):
                nxt = lines[j]
                joined = _Line(line.no, line.text + nxt.text, line.gap, "body", max(nxt.no, nxt.end))
                lines[j] = joined
                heads = [s.text for s in skipped if s.kind == "heading"]
                if heads:
                    moved.setdefault(line.no, []).extend(heads)
                i = j
                continue
        elif (
            line.kind == "heading"
            and out
            and out[-1].kind == "body"
            and i + 1 < len(lines)
            and lines[i + 1].kind == "body"
            and not words.dateline.match(lines[i + 1].text)
            and _cut_prose(line.text)
        ):
            # between two paragraphs of one article: a long line of prose cut mid-sentence, not a
            # sub-heading ("…增加感染风险的主" + "要原因。…")
            nxt = lines[i + 1]
            lines[i + 1] = _Line(line.no, line.text + nxt.text, line.gap, "body", max(nxt.no, nxt.end))
            i += 1
            continue
        out.append(line)
        i += 1
    return out, moved


def parse_page(text: str, source: str, default_year: int, profile: Profile) -> list[Article]:
    """Parse one page dump into its articles.

    Args:
        text: the whole file.
        source: file name shown with quotes (relative to the data directory).
        default_year: year for datelines like "2月20日" when the file header names none.
        profile: the newsroom profile: the paper, its datelines and bylines.
    """
    words = page_words(profile)
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    year = default_year
    paper, published, page = words.paper, None, ""
    lines: list[_Line] = []
    gap = 0
    for no, raw_line in enumerate(raw, start=1):
        stripped = CONTINUATION.sub("", raw_line.strip()) if ("转" in raw_line or "接" in raw_line) else raw_line.strip()
        stripped = stripped.replace("\u3000", " ").strip()
        if not stripped:
            gap += 1
            continue
        header = HEADER.match(stripped) if not lines else None
        if header and len(stripped) < 60:
            key, value = header.group(1).lower(), header.group(2).strip()
            found = re.search(r"(19|20)\d{2}", value)
            if key in ("date", "edition", "year") and found:
                year = int(found.group(0))
                published = _iso_day(value) if key != "year" else published
            elif key in ("paper", "source"):
                paper = value
            elif key == "page":
                page = value.strip("第版 ")
            continue
        lines.append(_Line(no, stripped, gap))
        gap = 0
    _classify(lines, words)
    lines, moved = _join_fragments(lines, words)
    drafts = _segment(lines, moved, words)
    page_date = _page_date(drafts, year, words)
    edition = (paper, published, page or (f"{jump.group(1)}1" if (jump := JUMP.search(text)) else ""))
    return [_finish(d, source, year, page_date, edition, words) for d in drafts if d.body]


def _iso_day(value: str) -> str | None:
    """The publication date of a ``date: 2020-02-21`` / ``edition: 2020-02-21`` header (None if not a day)."""
    found = re.match(r"(?:19|20)\d{2}-\d{2}-\d{2}\b", value.strip())
    return found.group(0) if found else None


def _starts_article(lines: list[_Line], i: int, first: bool, words: PageWords) -> bool:
    """Does the heading group starting at ``i`` open a new article?"""
    group = []
    j = i
    while j < len(lines) and lines[j].kind in ("heading", "caption"):
        if lines[j].kind == "heading":
            group.append(lines[j])
        j += 1
    if first:
        return True
    follower = lines[j] if j < len(lines) else None
    if follower is not None and (follower.kind == "byline" or words.dateline.match(follower.text)):
        return True
    return len(group) >= 2 and not SECTION.match(group[0].text)


def _segment(lines: list[_Line], moved: dict[int, list[str]], words: PageWords) -> list[_Draft]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    in_headings = False
    for i, line in enumerate(lines):
        if line.kind == "heading":
            if in_headings and current is not None:
                current.headings.append(line)
                continue
            if current is None or _starts_article(lines, i, current is None, words):
                current = _Draft(headings=[line])
                drafts.append(current)
                in_headings = True
                continue
            current.body.append(line)  # a sub-heading inside the article
            continue
        if current is None:
            current = _Draft()
            drafts.append(current)
        in_headings = False
        if line.kind == "byline":
            current.byline.append(line.text)
        elif line.kind == "caption":
            continue
        else:
            current.body.append(line)
            current.extra_headings.extend(moved.get(line.no, []))
    return drafts


def _dateline(draft: _Draft, year: int, words: PageWords) -> date | None:
    if not draft.body:
        return None
    found = words.dateline.match(draft.body[0].text)
    if found and found.group(1):
        try:
            return date(year, int(found.group(1)), int(found.group(2)))
        except ValueError:
            return None
    return None


def _page_date(drafts: list[_Draft], year: int, words: PageWords) -> date | None:
    dates = [d for d in (_dateline(x, year, words) for x in drafts) if d is not None]
    return max(dates) if dates else None


def _finish(draft: _Draft, source: str, year: int, day: date | None, edition: tuple, words: PageWords) -> Article:
    """The article of a draft; ``edition``: (paper, publication date, page) of the whole page."""
    heads = [h.text for h in draft.headings] + draft.extra_headings
    title_parts = [h for h in heads if not h.startswith("——")]
    subtitle = " ".join(h for h in heads if h.startswith("——"))
    title = " ".join(title_parts) or (draft.body[0].text[:30] if draft.body else "")
    paragraphs: list[str] = []
    for line in draft.body:
        if line.text in paragraphs and len(line.text) > 20:
            continue  # the same paragraph printed twice by the layout
        paragraphs.append(line.text)
    text = "\n".join(paragraphs)
    when = _dateline(draft, year, words) or day
    numbers = [h.no for h in draft.headings] + [max(b.no, b.end) for b in draft.body]
    return Article(
        id=article_id(title, text),
        title=title,
        date=when.isoformat() if when else None,
        byline=" ".join(draft.byline),
        source=source,
        text=text,
        line_start=min(numbers) if numbers else 0,
        line_end=max(numbers) if numbers else 0,
        subtitle=subtitle,
        paper=edition[0], published=edition[1], page=edition[2],
    )
