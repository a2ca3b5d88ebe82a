"""Answers questions from the index: normalise, search (dense + BM25), compose a quoted answer."""
