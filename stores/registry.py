"""Backends by name: a table of "module:class" strings, each module imported only when its backend is chosen."""

from __future__ import annotations

import importlib


def backend_class(backends: dict[str, str], name: str, kind: str) -> type:
    """The class ``backends[name]`` names; an unknown name is a ValueError listing the ``kind`` backends known."""
    if name not in backends:
        raise ValueError(f"unknown {kind} backend {name!r} ({', '.join(backends)})")
    module, _, cls = backends[name].partition(":")
    return getattr(importlib.import_module(module), cls)
