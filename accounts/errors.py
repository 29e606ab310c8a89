"""Domain errors of accounts: services raise them with a message constant; views show it."""


class AccountsError(Exception):
    """A rule refused the change; ``message`` is safe to show to the person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
