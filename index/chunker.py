"""Sentence-aware chunking for Chinese news: chunks never cross articles and carry offsets."""

from __future__ import annotations

from news.records import Article, Chunk
from news.text import CLAUSE_END, split_sentences


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
