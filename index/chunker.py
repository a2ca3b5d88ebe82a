"""Sentence-aware chunking for Chinese news: chunks never cross articles and carry offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.articles import Article

# a sentence ends at 。！？；… (or ! ? ;) plus any closing quotes/brackets, or at a line break
SENTENCE_END = re.compile(r"(?:[。！？!?；;]|…+)[”’」』）)]*|\n")
FULL_STOP = re.compile(r"(?:[。！？!?]|…+)[”’」』）)]*|\n")  # a whole sentence, semicolons inside
CLAUSE_END = re.compile(r"[，、：,]")


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: ``text == article.text[start:end]``."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    source: str

    @property
    def embed_text(self) -> str:
        """What is embedded and indexed: the title first, so "我市" still knows its topic."""
        return f"{self.title}\n{self.text}"


def split_sentences(text: str, semicolons: bool = True) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (white space trimmed, empty ones dropped).

    With ``semicolons=False`` a sentence runs to 。！？ or a line break, keeping "；" inside.
    """
    spans = []
    start = 0
    for found in (SENTENCE_END if semicolons else FULL_STOP).finditer(text):
        spans.append((start, found.end()))
        start = found.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _limit(spans: list[tuple[int, int]], text: str, size: int) -> list[tuple[int, int]]:
    """Break sentences longer than ``size`` at clause marks (or hard) so no piece exceeds it."""
    out = []
    for a, b in spans:
        while b - a > size:
            cut = a + size
            marks = [m.end() for m in CLAUSE_END.finditer(text, a, cut)]
            if marks and marks[-1] - a > size // 3:
                cut = marks[-1]
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def chunk_article(article: Article, size: int, overlap: int) -> list[Chunk]:
    """Cut an article into chunks of about ``size`` characters, repeating up to ``overlap``
    characters of whole trailing sentences at the start of the next chunk."""
    text = article.text
    sentences = _limit(split_sentences(text), text, size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i
        while j < len(sentences) and (j == i or sentences[j][1] - sentences[i][0] <= size):
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        chunks.append(
            Chunk(
                id=f"{article.id}:{len(chunks)}", article_id=article.id, ordinal=len(chunks),
                start=start, end=end, text=text[start:end], title=article.title, date=article.date,
                source=article.source,
            )
        )
        if j >= len(sentences):
            break
        # step back over whole sentences that fit in the overlap, but always move forward, and
        # never so far that the next chunk cannot reach sentence j (it would only repeat this one)
        k = j
        while (
            k - 1 > i
            and end - sentences[k - 1][0] <= overlap
            and sentences[j][1] - sentences[k - 1][0] <= size
        ):
            k -= 1
        i = k
    return chunks
