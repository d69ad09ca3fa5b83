"""The edges clients call: the national interface (``fsi``), and later the REST API and the portal."""

__all__: list[str] = []
