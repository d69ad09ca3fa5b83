"""The conformance suite: gongji driven by clients that build their messages the way published hospital systems do.

- :mod:`.wire` — the JSON conventions of the clients' libraries (Newtonsoft.Json, fastjson), .NET times, Java's
  ``HashMap`` key order;
- :mod:`.base` — what every client shares: HTTP through httpx to the ``fsi_server`` fixture, the national gateway
  signature, the answer as the client reads it;
- :mod:`.openhis`, :mod:`.hsa_his`, :mod:`.hn_ybj_sdk` — one client per published system, each citing the code
  it follows;
- :mod:`.day` and :mod:`.stay` — an outpatient day and an inpatient stay, played by any of the clients;
- :mod:`.checks` — what every answer must satisfy (the national identities, the fields the real answers carry).
"""
