"""The Telegram front end: python-telegram-bot handlers around the retrieval engine."""
