"""The version of sim: recorded in every manifest and journal, shown by ``sim --version``."""

__version__ = "0.1.0"
