"""Notifications: the email outbox, mail delivery and the background queue."""
