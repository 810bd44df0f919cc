"""Every route of the URL map, fed hostile values, answers 2xx, 3xx or 4xx, never 5xx.

Routes are taken from ``app.url_map``. Real URLs (with the ids of rows the
fixture made) are found by crawling, as an admin, as a customer signed in on
the portal and as an anonymous visitor, the pages of every GET route (URL
variables filled with the fixture's ids by name) and every link and form on
them. Then:

- every URL variable gets hostile values for its converter (int or string);
- every query parameter a view reads (recorded while it runs) and every field
  of the page's GET forms gets hostile values;
- every field of every POST form (and every form key the view reads) gets
  hostile values, one field at a time with the others filled in, sent by the
  visitor who saw the form; visitors a route refuses get all fields at once.

Every field gets NUL, a Unicode digit, a huge integer and 100,000 characters;
other values (negative numbers, invalid UTF-8, repeated keys, blanks ...)
are sampled per field with a fixed seed, so the run is deterministic.
Actions that delete, toggle or sign out run last so they do not remove what
the other routes work on; a visitor who got signed out signs in again.
"""
from __future__ import annotations

import io
import logging
import sqlite3
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable

import pytest
from flask import Flask
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from crm.extensions import db as _db
from crm.testing import PASSWORD
from tests.hostile_input import (
    ALWAYS, INT_VARIABLES, STRING_VARIABLES, VALUES, VARIABLE, Form, ReadKeys, encode_multipart, encode_query,
    encode_urlencoded, fill_rule, local_path, parse_page, plan, recording_request_class,
)

LAST = {"logout": 3, "sign_out": 3, "end_session": 3, "end_all": 3, "toggle": 2}
LATE_WORDS = ("delete", "deactivate", "reactivate", "send_reset", "read")
PAGES_PER_ENDPOINT = 12  # pages of one route read while crawling (settings sections, wizard steps differ)


def _rank(endpoint: str) -> int:
    """Order of the fuzz: harmless routes first, then deleting and switching actions, signing out last."""
    for word, rank in LAST.items():
        if word in endpoint:
            return rank
    return 1 if any(word in endpoint for word in LATE_WORDS) else 0


class ErrorLog(logging.Handler):
    """Keeps the last exception the app logged (its 500 handler logs each one), with the project's frames."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record):
        if record.exc_info:
            _, exc, tb = record.exc_info
            ours = [f for f in traceback.extract_tb(tb) if "site-packages" not in f.filename]
            where = "".join(traceback.format_list(ours[-2:]))
            self.last = f"{where}{type(exc).__name__}: {str(exc)[:300]}"


@dataclass
class Visitor:
    """Who sends requests: a test client, how it signs in and a page only a signed-in visitor gets (200)."""

    name: str
    client: object
    sign_in: Callable | None = None
    check_url: str = ""

    def ensure_signed_in(self) -> None:
        """Sign in again if an action (sign out, end sessions) ended the session."""
        if self.sign_in and self.client.get(self.check_url).status_code != 200:
            self.sign_in(self.client)


@dataclass
class Target:
    """A route with a real URL and the forms that post to it."""

    endpoint: str
    rule: str
    methods: list[str]
    url: str
    forms: list[Form] = field(default_factory=list)
    form_visitors: list[str] = field(default_factory=list)  # who saw each form
    query_keys: list[str] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)  # a real value per query key, from GET forms


@dataclass
class Failure:
    who: str
    method: str
    url: str
    what: str
    status: int
    error: str

    def __str__(self):
        return f"{self.who} {self.method} {self.url[:100]} [{self.what}] -> {self.status}\n    {self.error[-600:]}"


class Fuzzer:
    """Sends the hostile requests and collects the answers of 500 and above."""

    def __init__(self, app: Flask, visitors: list[Visitor], ids: dict[str, str], avoid: set[tuple[str, str]],
                 extra_urls: tuple[str, ...] = ()):
        self.app = app
        self.visitors = {v.name: v for v in visitors}
        self.anonymous = self.visitors["anonymous"]
        self.ids = ids
        self.avoid = avoid
        self.extra_urls = extra_urls
        self.adapter = app.url_map.bind("localhost")
        self.rules = {r.endpoint: r for r in app.url_map.iter_rules()}
        self.failures: list[Failure] = []
        self.sent = 0
        self.per_endpoint: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.errors = ErrorLog()
        app.logger.addHandler(self.errors)
        app.request_class = recording_request_class(app.request_class)
        for visitor in visitors:
            if visitor.sign_in:
                visitor.sign_in(visitor.client)

    def close(self):
        self.app.logger.removeHandler(self.errors)

    # sending ---------------------------------------------------------------------------------

    def send(self, visitor: Visitor, method: str, url: str, what: str, fields=None, multipart=False, query=None):
        """One request; an answer of 500 or more is recorded with the traceback the app logged."""
        self.errors.last = ""
        kwargs = {}
        if query:
            url = url + ("&" if "?" in url else "?") + encode_query(query)
        if method == "POST":
            if multipart:
                kwargs["data"], kwargs["content_type"] = encode_multipart(fields or [])
            else:
                kwargs["data"] = encode_urlencoded(fields or [])
                kwargs["content_type"] = "application/x-www-form-urlencoded"
        found = self._match(url, method)
        endpoint = found[0] if found else "(no route)"
        self.sent += 1
        self.per_endpoint[endpoint] += 1
        started = time.perf_counter()
        response = visitor.client.open(url, method=method, **kwargs)
        self.seconds[endpoint] += time.perf_counter() - started
        if response.status_code >= 500:
            self.failures.append(Failure(visitor.name, method, url, what, response.status_code, self.errors.last))
        return response

    # discovering -----------------------------------------------------------------------------

    def _match(self, path: str, method: str):
        try:
            return self.adapter.match(path.split("?")[0], method=method)
        except HTTPException:
            return None

    def _target(self, targets: dict[str, Target], endpoint: str, url: str) -> Target:
        if endpoint not in targets:
            rule = self.rules[endpoint]
            targets[endpoint] = Target(endpoint, rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}), url)
        return targets[endpoint]

    def _avoided(self, values: dict) -> bool:
        return any((k, str(v)) in self.avoid for k, v in values.items())

    def _filled(self, rule) -> str:
        return fill_rule(rule.rule, {name: self.ids.get(name, "1") for name in rule.arguments})

    def crawl(self) -> dict[str, Target]:
        """Real URLs and forms of every route, reached from every GET route and the fixture's extra URLs.

        Up to :data:`PAGES_PER_ENDPOINT` pages of one route are read per
        visitor, so routes that show different forms per URL (settings
        sections, wizard steps) give all of them.
        """
        start = sorted(self._filled(r) for r in self.rules.values() if "GET" in r.methods and r.endpoint != "static")
        start += self.extra_urls
        targets: dict[str, Target] = {}
        for visitor in self.visitors.values():
            queue, seen, pages = deque(start), set(), Counter()
            while queue:
                url = queue.popleft()
                found = self._match(url, "GET")
                if found is None or url in seen or self._avoided(found[1]) or pages[found[0]] >= PAGES_PER_ENDPOINT:
                    continue
                seen.add(url)
                pages[found[0]] += 1
                self._target(targets, found[0], url)
                response = visitor.client.get(url)
                if response.status_code in (301, 302, 303, 307, 308):
                    location = local_path(response.headers["Location"])
                    if location:
                        queue.append(location)
                    continue
                if response.status_code != 200 or not response.content_type.startswith("text/html"):
                    continue
                page = parse_page(url, response.get_data(as_text=True))
                queue.extend(path for path in map(local_path, page.links) if path and path not in seen)
                for form in page.forms:
                    self._add_form(targets, visitor, form, url, queue)
        for endpoint, rule in self.rules.items():  # never reached: the fixture's ids by variable name
            self._target(targets, endpoint, self._filled(rule))
        return targets

    def _add_form(self, targets, visitor: Visitor, form: Form, page_url: str, queue: deque) -> None:
        form.action = local_path(form.action) or page_url
        method = "POST" if form.method == "post" else "GET"
        hit = self._match(form.action, method)
        if hit is None or self._avoided(hit[1]):
            return
        target = self._target(targets, hit[0], form.action)
        if method == "GET":
            target.query_keys += [n for n in form.names if n not in target.query_keys]
            for name in form.names:
                target.samples.setdefault(name, form.sample(name))
            queue.append(form.action)
        elif not any(f.names == form.names for f in target.forms):
            target.forms.append(form)
            target.form_visitors.append(visitor.name)

    def _reader(self, target: Target) -> Visitor:
        """The first visitor (admin, customer, anonymous) the route's page answers 200."""
        for visitor in self.visitors.values():
            if self.send(visitor, "GET", target.url, "plain").status_code == 200:
                return visitor
        return next(iter(self.visitors.values()))

    def read_query_keys(self, target: Target, visitor: Visitor) -> None:
        """Add the query keys the view reads to the target (the view runs once with a recording request)."""
        ReadKeys.seen = set()
        self.send(visitor, "GET", target.url, "plain")
        target.query_keys += sorted(k for k in ReadKeys.seen if k not in target.query_keys and k != "csrf_token")

    def read_form_keys(self, visitor: Visitor, form: Form) -> list[str]:
        """The form's field names and every other form key the view reads when the filled-in form is posted."""
        ReadKeys.seen = set()
        self.send(visitor, "POST", form.action, "filled in", form.fields, form.multipart)
        names = [n for n in form.names if n != "csrf_token"]
        return names + sorted(k for k in ReadKeys.seen if k not in names and k != "csrf_token")

    # fuzzing ---------------------------------------------------------------------------------

    def fuzz_variables(self, target: Target, visitor: Visitor) -> None:
        """Hostile values in each URL variable, by ``visitor`` (all values) and anonymous (the first few)."""
        rule = self.rules[target.endpoint]
        method = "GET" if "GET" in target.methods else target.methods[0]
        real = self._match(target.url, method)
        base = {k: str(v) for k, v in (real[1] if real else {}).items()}
        converters = {m.group(2): m.group(1) or "default" for m in VARIABLE.finditer(rule.rule)}
        for name in sorted(rule.arguments):
            values = INT_VARIABLES if converters.get(name) == "int" else STRING_VARIABLES
            for label, value in values.items():
                url = fill_rule(rule.rule, {**{k: base.get(k, self.ids.get(k, "1")) for k in rule.arguments},
                                            name: value})
                self.send(visitor, method, url, f"<{name}>={label}")
                if label in ("huge_int", "nul") and visitor is not self.anonymous:
                    self.send(self.anonymous, method, url, f"<{name}>={label}")

    def fuzz_query(self, target: Target, visitor: Visitor, extra: int) -> None:
        """Hostile values in each query key, one key at a time."""
        for key in target.query_keys:
            for label, value in plan(f"{target.endpoint}?{key}", extra, target.samples.get(key)):
                self.send(visitor, "GET", target.url, f"?{key}={label}", query=[(key, value)])

    def fuzz_form(self, target: Target, form: Form, names: list[str], visitor: Visitor, extra: int) -> None:
        """Hostile values in each field, one field at a time, the other fields filled in."""
        for name in names:
            for label, value in plan(f"{target.endpoint}:{name}", extra, form.sample(name)):
                self.send(visitor, "POST", form.action, f"{name}={label}", form.fill(name, value), form.multipart)

    def fuzz_all_fields_at_once(self, target: Target, form: Form, visitor: Visitor) -> None:
        """For visitors the route refuses anyway: NUL in every field, then every field with one of the other
        always-sent values in turn (two requests)."""
        names = [n for n in form.names if n != "csrf_token"] or ["value"]
        self.send(visitor, "POST", form.action, "*=nul", [(n, VALUES["nul"]) for n in names], form.multipart)
        others = [label for label in ALWAYS if label != "nul"]
        fields = [(n, VALUES[others[i % len(others)]]) for i, n in enumerate(names)]
        self.send(visitor, "POST", form.action, "*=" + "/".join(others), fields, form.multipart)

    def signed_in_again(self) -> None:
        for visitor in self.visitors.values():
            visitor.ensure_signed_in()

    def run(self) -> None:
        targets = self.crawl()
        for target in sorted(targets.values(), key=lambda t: (_rank(t.endpoint), t.rule, t.endpoint)):
            reader = self.visitors["admin"]
            if "GET" in target.methods:
                reader = self._reader(target)
                if target.endpoint != "static":
                    self.read_query_keys(target, reader)
                    self.fuzz_query(target, reader, extra=1)
            if "POST" in target.methods:
                pairs = list(zip(target.forms, target.form_visitors)) or [
                    (Form(action=target.url, method="post", multipart=False), reader.name)]
                for form, seen_by in pairs:
                    visitor = self.visitors[seen_by]
                    names = self.read_form_keys(visitor, form)
                    self.signed_in_again()
                    self.fuzz_form(target, form, names, visitor, extra=1)
                    self.signed_in_again()
                    if visitor is not self.anonymous:
                        self.fuzz_all_fields_at_once(target, form, self.anonymous)
            if "<" in target.rule:
                self.fuzz_variables(target, reader)
            self.signed_in_again()


def _commits_without_waiting_for_the_disk(dbapi_connection, connection_record) -> None:
    """A throwaway test database need not survive a power cut: commits skip fsync (half the run time)."""
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA synchronous=OFF")
    else:
        cursor.execute("SET synchronous_commit TO off")
    cursor.close()


@pytest.fixture
def app(make_app, app_plugins):
    """The app with every plugin; email stays in the outbox and DNS questions go to a closed local port, so
    whatever the fuzz stores (an SMTP host, a domain) is never looked up or contacted."""
    application = make_app(plugins=app_plugins, QUEUE_IMMEDIATE=False, DNS_RESOLVER="127.0.0.1:9",
                           DNS_TIMEOUT=0.2)
    with application.app_context():
        event.listen(_db.engine, "connect", _commits_without_waiting_for_the_disk)
        _db.engine.dispose()  # connections made from now on get the setting
        yield application
        event.remove(_db.engine, "connect", _commits_without_waiting_for_the_disk)


@pytest.fixture
def world(app, db, factory):
    """Rows of every kind the routes show: people, lookups, a brand's portal with a signed-up customer, a
    ticket of that customer with a reply, a note and a file, a notification, a ticket template, a wizard
    draft and a password-reset token."""
    from crm.auth.reset import make_reset_token
    from crm.notify import inapp
    from crm.people.models import Role
    from plugins.support import services, statuses, ticket_templates, wizard
    from plugins.support.models import Service, Tag, Topic
    from tests.portal.portal_kit import Portal

    statuses.ensure_defaults()
    portal_kit = Portal(app, factory)
    site = portal_kit.site("Acme")
    department = factory.department("Technical")
    company = factory.company("Northwind")
    customer = portal_kit.customer(email="fuzz-customer@example.org", company=company)
    admin = factory.admin(email="fuzz-admin@example.com")
    staff = factory.user(departments=[department], managed=[department])
    role = Role(name="fuzz_role", title="Fuzz role", kind="staff")
    db.session.add_all([role, Service(name="Hosting"), Tag(name="vip"),
                        Topic(name="Orders", department_id=department.id)])
    db.session.commit()
    ticket = services.open_ticket("Printer on fire", author=admin, contact=customer, department=department,
                                  brand=site.brand_id, body="It smokes.", channel="portal")
    reply = services.add_reply(ticket, "Please unplug it.", author=admin, attachments=[
        FileStorage(io.BytesIO(b"hello\n"), filename="notes.txt", content_type="text/plain")])
    services.add_note(ticket, "Internal remark.", author=admin)
    inapp.notify([admin.id], "support.ticket_opened", {"number": ticket.number, "subject": ticket.subject},
                 url=f"/support/tickets/{ticket.number}")
    template = ticket_templates.save_template("Printer", {"subject": "Printer"}, admin)
    from plugins.support.canned_replies import service as canned

    shared = canned.save(admin, {"title": "Thanks", "texts": {"en": "Thanks, {customer_name}."}})
    canned.save(admin, {"title": "Mine", "texts": {"en": "Regards"}}, personal=True)
    token = make_reset_token(staff)
    draft = wizard.start_draft(admin, {"action": "ticket"})
    db.session.commit()
    ids = {
        "number": ticket.number, "post_id": str(reply.id), "attachment_id": str(reply.attachments[0].id),
        "user_id": str(staff.id), "company_id": str(company.id), "contact_id": str(customer.id),
        "department_id": str(department.id), "role_id": str(role.id), "template_id": str(template.id),
        "token": token, "name": "support", "namespace": "support", "section": "general",
        "key": "logo", "step": "1", "draft_id": draft.id, "filename": "crm/crm.css", "slug": site.slug,
        "reply_id": str(shared.id),
    }
    urls = app.url_map.bind("localhost")
    steps = tuple(urls.build("support.new_ticket_step", {"draft_id": draft.id, "step": n}) for n in (2, 3))

    def admin_signs_in(client):
        response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
        assert response.status_code == 302, "the admin could not sign in"

    visitors = [Visitor("admin", app.test_client(), admin_signs_in, "/admin/"),
                Visitor("customer", app.test_client(), lambda client: portal_kit.login(client, site, customer),
                        portal_kit.url(site, "profile")),
                Visitor("anonymous", app.test_client())]
    return {"visitors": visitors, "ids": ids, "avoid": {("user_id", str(admin.id))}, "extra_urls": steps}


def test_no_route_answers_500_to_hostile_input(app, world):
    fuzzer = Fuzzer(app, world["visitors"], world["ids"], world["avoid"], world["extra_urls"])
    try:
        fuzzer.run()
    finally:
        fuzzer.close()
    print("requests per endpoint:", *sorted(fuzzer.per_endpoint.items()), sep="\n  ")
    print("slowest:", *[(k, round(v, 2), fuzzer.per_endpoint[k]) for k, v in fuzzer.seconds.most_common(20)],
          sep="\n  ")
    report = "\n".join(str(f) for f in fuzzer.failures)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} of {fuzzer.sent} requests answered 5xx:\n{report}"
    unreached = sorted(set(fuzzer.rules) - set(fuzzer.per_endpoint))
    assert not unreached, f"routes never requested: {unreached}"
    assert fuzzer.sent > 2000  # the crawl found the routes and their forms
