"""A real DNS server on 127.0.0.1 for the custom-domain tests: dnslib's server answering from a dict."""
from __future__ import annotations

from dnslib import CNAME, QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class Zone(BaseResolver):
    """Answers CNAME questions from ``cnames``; NXDOMAIN for other names; SERVFAIL while ``failing``."""

    def __init__(self):
        self.cnames: dict[str, str] = {}
        self.failing = False
        self.questions: list[str] = []

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.questions.append(name)
        if self.failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif name in self.cnames:
            if request.q.qtype in (QTYPE.CNAME, QTYPE.ANY):
                reply.add_answer(RR(request.q.qname, QTYPE.CNAME, rdata=CNAME(self.cnames[name] + "."), ttl=60))
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class LocalDNS:
    """Start with ``with LocalDNS() as dns:``; ``dns.address`` is ``"127.0.0.1:<port>"``."""

    def __init__(self):
        self.zone = Zone()
        self.server = DNSServer(self.zone, address="127.0.0.1", port=0,
                                logger=DNSLogger(logf=lambda _line: None))

    @property
    def address(self) -> str:
        host, port = self.server.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self):
        self.server.start_thread()
        return self

    def __exit__(self, *exc):
        self.server.stop()
        self.server.server.server_close()
