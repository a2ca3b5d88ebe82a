"""The errors of the news layer: one base, NewsError, for data the news helpers need and cannot find."""

from __future__ import annotations


class NewsError(RuntimeError):
    """What reading the news needs (the place gazetteer) is missing."""


class GazetteerMissing(NewsError):
    """jionlp (which ships the gazetteer data) is not installed, or its data file is missing."""


class LexiconMissing(NewsError):
    """A file `make install` derives from jionlp's and jieba's data (news/lexicon.py) is missing or stale."""
