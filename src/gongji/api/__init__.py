"""The edges clients call: the national interface (``fsi``), gongji's own REST API (``rest``, /api/v1), and later
the portal."""

__all__: list[str] = []
