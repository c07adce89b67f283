"""One error type that the CLI turns into a one-line message and an exit code."""

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


class FormcheckError(Exception):
    """A failure the user can act on. `str(err)` is the whole message; no traceback is shown."""

    def __init__(self, message: str, exit_code: int = EXIT_RUNTIME):
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(FormcheckError):
    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)
