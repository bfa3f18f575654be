"""The project's exceptions; each message says what to do."""


class SimulatorError(Exception):
    """Base class: the message is shown to the user as it is, on one line."""


class PackError(SimulatorError):
    """A question pack or rubric is missing or invalid."""


class ModelError(SimulatorError):
    """The embedding model cannot be loaded."""


class StoreError(SimulatorError):
    """The reference store (Chroma) cannot be opened or written."""

    def __init__(self, message: str, cause: str = ""):
        super().__init__(message)
        self.cause = cause or message


class ConfigError(SimulatorError):
    """A setting is invalid or a data directory is unusable."""


class InputError(SimulatorError):
    """Something the user typed cannot be used as given."""
