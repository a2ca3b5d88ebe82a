"""Turns article files into a searchable index: parse, chunk, embed, store."""
