"""`python -m bot` / `make run`: start the Telegram bot (polling, or a webhook if WEBHOOK_URL is set)."""

from __future__ import annotations

import sys
from pathlib import Path

from config import Settings
from config.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = Settings()
    setup_logging(settings.log_level)
    if args[:2] == ["feedback", "export"] and len(args) == 3:  # python -m bot feedback export FILE
        from bot.feedback import export

        print(f"{export(settings.feedback_db, Path(args[2]))} questions readers marked wrong → {args[2]}")
        return 0
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(
            "error: BOT_TOKEN is not set. Copy .env.example to .env and set BOT_TOKEN (from @BotFather), "
            "or try the engine without Telegram: make chat",
            file=sys.stderr,
        )
        return 2
    if "--check" in args:  # `make run` checks the token before it builds anything
        return 0
    from bot.app import ALLOWED_UPDATES, build_application, install_redaction, webhook_options

    install_redaction(settings.bot_token.get_secret_value())
    app = build_application(settings, durable=True)  # journal and chat state: nothing lost in a crash
    if settings.webhook_url:
        app.run_webhook(**webhook_options(settings))
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
