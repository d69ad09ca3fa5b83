"""gongji as one node of a federation, as the national platform is deployed: a node per province (or a few), each with
its own database, and NATS between them (Debian's ``nats-server``; the ``nats-py`` client).

- :mod:`~gongji.federation.config`: which provinces this node serves and which node serves the others.
- :mod:`~gongji.federation.bus`: one NATS connection on its own event-loop thread, for synchronous callers.
- :mod:`~gongji.federation.fsi_route`: a national-interface message for a patient insured in another node's province
  goes to that node, and the hospital gets that node's answer.
- :mod:`~gongji.federation.nats_server`: a local ``nats-server`` for trying a federation and for the tests.

The design and why it is per-province nodes and a bus, not one distributed database: ``docs/design-notes.md``.
"""

__all__: list[str] = []
