"""The error of a donor spreadsheet that cannot be read as a whole."""


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong format, no header found, empty).

    ``str()`` is the translated message; ``line`` is set when the problem is on one line.
    """

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message
