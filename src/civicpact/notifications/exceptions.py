class NotificationError(Exception):
    """A notifications request that cannot be carried out as asked; the message says why."""
