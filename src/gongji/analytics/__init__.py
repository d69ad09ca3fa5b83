"""The analytical store and the reports over it (issue 18, items 2 and 3).

::

    database ──export.py──▶ DIR/<dataset>/region=…/month=…/part-0.parquet  (+ DIR/_gongji_export.json)
                 │  datasets.py   what each dataset is: one query, its partitions, its columns, its change markers
                 │  pseudonyms.py keyed ids instead of internal ones       manifest.py  what the files hold
                 │  writer.py     one partition, written whole and renamed into place
    DIR ──duck.py──▶ DuckDB views (settlements, payers, relations, people) ──reports.py──▶ rows
                                                                            ──charts.py───▶ SVG / PNG

The modules read the store's tables directly, as the store's own report reader does: an export is a bulk read of
rows, not a use case. Nothing here writes to the database but the export key, once.
"""

__all__: list[str] = []
