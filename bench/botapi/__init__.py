"""An in-process Telegram Bot API stub over real HTTP, for the bot benchmark and the bot's tests."""

from bench.botapi.lifecycle import LocalBotAPI, polling
from bench.botapi.stub import DEFAULT_TOKEN, BotAPIStub, SentMessage, StubUser, serving
from bench.botapi.telegram_html import check_telegram_html

__all__ = ["DEFAULT_TOKEN", "BotAPIStub", "LocalBotAPI", "SentMessage", "StubUser", "check_telegram_html",
           "polling", "serving"]
