"""The errors of the configuration: one base, ConfigError, for a setting or profile that cannot be used."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting or the profile file cannot be used as given."""


class ProfileError(ConfigError):
    """The profile file is missing a section or has a phrase that is not a valid regular expression."""
