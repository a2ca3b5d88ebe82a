"""Settings for every part of the bot, read once at the entry point and passed down."""

from config.settings import Settings

__all__ = ["Settings"]
