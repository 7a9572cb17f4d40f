"""The project's own error types.  Every error names the file, line and column it is about."""

from __future__ import annotations


class TreatyError(Exception):
    """Base class: ``file:line:column: message``, the form compilers and editors understand."""

    def __init__(self, message: str, file: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def location(self) -> str:
        """``file:line:column`` (the parts that are known)."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            parts.append(str(self.column if self.column is not None else 1))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class InputError(TreatyError):
    """The input cannot be read as text: missing, a directory, binary, empty, too large, undecodable."""


class ParseError(TreatyError):
    """The text could not be parsed (the structure grammar is total, so this signals a bug)."""


class LoadError(TreatyError):
    """A YAML or JSON export could not be loaded: bad syntax, unsafe content, wrong shape.

    ``key_path`` names the offending key, e.g. ``nodes[3].children[0].span.start``.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, key_path: str | None = None) -> None:
        super().__init__(message, file, line, column)
        self.key_path = key_path

    def __str__(self) -> str:
        where = f" (at {self.key_path})" if self.key_path else ""
        return f"{self.location()}: {self.message}{where}"


class SchemaVersionError(LoadError):
    """An export declares a schema version this release cannot read."""
