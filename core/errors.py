"""The project's exceptions: each carries one sentence a non-programmer can act on."""

from __future__ import annotations


class GenreLabError(ValueError):
    """Base class: the message is shown as is, in the app and on the command line."""


class DataError(GenreLabError):
    """A data file cannot be used: unreadable, empty, or not in the expected format."""


class ConfigError(GenreLabError):
    """A training setting is out of range or inconsistent with another."""


class BundleError(GenreLabError):
    """A saved model bundle is missing, corrupt, unsafe or from another version."""
