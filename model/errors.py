"""The errors of the model layer: one base, ModelError, for an embedding model that cannot be had."""

from __future__ import annotations


class ModelError(RuntimeError):
    """The embedding model cannot be loaded or made (the message says what to install or run)."""


class ModelMissing(ModelError):
    """The configured model's folder (or the package that ships it) is not there."""


class MaterializeError(ModelError):
    """The source packages of multilingual-e5-small are missing or inconsistent."""
