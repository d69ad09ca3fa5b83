"""The ``gongji`` command line."""

from gongji.cli.app import app, main

__all__ = ["app", "main"]
