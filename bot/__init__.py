"""Telegram front end of citebot: handlers, message formatting, question log."""
