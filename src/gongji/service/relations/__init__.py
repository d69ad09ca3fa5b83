"""Use cases of mutual-aid relations (共济关系) and proxy links (亲情账户), one module per concern:

* :mod:`~gongji.service.relations.lifecycle` — request, confirm, decline, end a binding;
* :mod:`~gongji.service.relations.payers` — the beneficiary's payer order and the authoriser's quotas;
* :mod:`~gongji.service.relations.proxies` — 亲情账户, which share no money;
* :mod:`~gongji.service.relations.queries` — one relation with its history, and "my family";
* :mod:`~gongji.service.relations.can_pay` — "why can't X pay for Y?";
* :mod:`~gongji.service.relations.common` — what they share (the parties, a relation as shown, events, refusals).

What may be bound is :mod:`gongji.service.binding_checks`; the automatic end of relations is
:mod:`gongji.service.ending`. Import the use cases from their module; this package re-exports nothing.
"""

__all__: list[str] = []
