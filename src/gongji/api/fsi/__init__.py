"""The national interface (国家医保定点医药机构接口): its pure codec, with no database and no web framework.

- :mod:`~gongji.api.fsi.envelope`: a request body → :class:`Envelope` (``infno``, ``msgid`` … and ``input``);
- :mod:`~gongji.api.fsi.fields`: tolerant readers of input fields (amounts in fen, codes, quantities, times);
- :mod:`~gongji.api.fsi.reply`: the response envelope, ``inf_refmsgid``, and JSON with amounts as exact numbers;
- :mod:`~gongji.api.fsi.auth`: the ``x-tif-*`` gateway headers (signature, time window, nonces);
- :mod:`~gongji.api.fsi.mask`: personal data masked for logs.

Errors::

    Exception
    ├── FsiInputError     the request cannot be read: field + Chinese and English message (answered infcode -2)
    └── GatewayRefused    the gateway headers do not authenticate the request: reason code + messages
"""

from gongji.api.fsi.auth import GatewayReason, GatewayRefused, MemoryNonceStore, NonceStore, signature, verify_gateway
from gongji.api.fsi.envelope import Envelope, parse_envelope
from gongji.api.fsi.fields import FsiInputError, amount_fen, code, flag, quantity, rows, text, timestamp
from gongji.api.fsi.mask import mask_certno, mask_name, mask_payload, mask_phone
from gongji.api.fsi.reply import Infcode, RefMsgIds, dumps, inf_refmsgid, national_time, reply, yuan

__all__ = [
    "Envelope",
    "FsiInputError",
    "GatewayReason",
    "GatewayRefused",
    "Infcode",
    "MemoryNonceStore",
    "NonceStore",
    "RefMsgIds",
    "amount_fen",
    "code",
    "dumps",
    "flag",
    "inf_refmsgid",
    "mask_certno",
    "mask_name",
    "mask_payload",
    "mask_phone",
    "national_time",
    "parse_envelope",
    "quantity",
    "reply",
    "rows",
    "signature",
    "text",
    "timestamp",
    "verify_gateway",
    "yuan",
]
