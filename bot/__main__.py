"""`python -m bot` / `make run`: start the Telegram bot (polling, or a webhook if WEBHOOK_URL is set)."""

from __future__ import annotations

import sys

from config import Settings
from config.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = Settings()
    setup_logging(settings.log_level)
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(
            "error: BOT_TOKEN is not set. Copy .env.example to .env and set BOT_TOKEN (from @BotFather), "
            "or try the engine without Telegram: make chat",
            file=sys.stderr,
        )
        return 2
    if "--check" in args:  # `make run` checks the token before it builds anything
        return 0
    from bot.app import build_application, install_redaction

    install_redaction(settings.bot_token.get_secret_value())
    app = build_application(settings)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app.run_webhook(listen="0.0.0.0", port=settings.webhook_port, webhook_url=settings.webhook_url,  # noqa: S104
                        secret_token=secret)
    else:
        app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
