"""Every route of the URL map, fed hostile values, answers 2xx, 3xx or 4xx, never 5xx.

Routes are taken from ``app.url_map``. Real URLs (with the ids of rows the
fixture made) are found by crawling the pages an admin sees from every route
without variables; routes the crawl does not reach get the fixture's ids by
variable name. Then, as an admin and as an anonymous visitor:

- every URL variable gets hostile values for its converter (int or string);
- every query parameter a view reads (recorded while it runs) and every field
  of the page's GET forms gets hostile values;
- every field of every POST form on the pages (and every form key the view
  reads) gets hostile values, one field at a time, the others filled in.

Every field gets NUL, a Unicode digit, a huge integer and 100,000 characters;
other values (negative numbers, invalid UTF-8, repeated keys, blanks ...)
are sampled per field with a fixed seed, so the run is deterministic.
Actions that delete, toggle or sign out run last so they do not remove what
the other routes work on.
"""
from __future__ import annotations

import io
import logging
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from crm.extensions import db as _db
from tests.conftest import PASSWORD
from tests.hostile_input import (
    ALWAYS, INT_VARIABLES, STRING_VARIABLES, VALUES, Form, ReadKeys, encode_multipart, encode_query,
    VARIABLE, encode_urlencoded, fill_rule, local_path, parse_page, plan, recording_request_class,
)

LAST = {"logout": 3, "sign_out": 3, "end_session": 3, "end_all": 3, "toggle": 2}
PAGES_PER_ENDPOINT = 12
LATE_WORDS = ("delete", "deactivate", "reactivate", "send_reset", "read")


def _rank(endpoint: str) -> int:
    """Order of the fuzz: harmless routes first, then deleting and switching actions, signing out last."""
    for word, rank in LAST.items():
        if word in endpoint:
            return rank
    return 1 if any(word in endpoint for word in LATE_WORDS) else 0


class ErrorLog(logging.Handler):
    """Keeps the traceback of the last exception the app logged (its 500 handler logs each one)."""

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
class Target:
    """A route with a real URL and the forms that post to it."""

    endpoint: str
    rule: str
    methods: list[str]
    url: str
    forms: list[Form] = field(default_factory=list)
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

    def __init__(self, app: Flask, admin_email: str, ids: dict[str, str], avoid: set[tuple[str, str]],
                 extra_urls: tuple[str, ...] = ()):
        self.app = app
        self.admin_email = admin_email
        self.ids = ids
        self.avoid = avoid
        self.extra_urls = extra_urls
        self.admin = app.test_client()
        self.anonymous = app.test_client()
        self.adapter = app.url_map.bind("localhost")
        self.rules = {r.endpoint: r for r in app.url_map.iter_rules()}
        self.failures: list[Failure] = []
        self.sent = 0
        self.per_endpoint: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.errors = ErrorLog()
        app.logger.addHandler(self.errors)
        app.request_class = recording_request_class(app.request_class)
        self.login()

    def close(self):
        self.app.logger.removeHandler(self.errors)

    def login(self):
        response = self.admin.post("/login", data={"email": self.admin_email, "password": PASSWORD})
        assert response.status_code == 302, "the admin could not sign in"

    # sending ---------------------------------------------------------------------------------

    def send(self, client, method: str, url: str, what: str, fields=None, multipart=False, query=None):
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
        self.sent += 1
        found = self._match(url, method)
        self.per_endpoint[found[0] if found else "(no route)"] += 1
        t0 = time.perf_counter()
        response = client.open(url, method=method, **kwargs)
        self.seconds[found[0] if found else "(no route)"] += time.perf_counter() - t0
        if response.status_code >= 500:
            who = "admin" if client is self.admin else "anonymous"
            self.failures.append(Failure(who, method, url, what, response.status_code, self.errors.last))
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

    def crawl(self) -> dict[str, Target]:
        """Real URLs and forms of every route reached from the pages without variables and the fixture's URLs.

        The admin crawls first, then the anonymous visitor (who sees the sign-in
        forms). Up to :data:`PAGES_PER_ENDPOINT` pages of one route are read, so
        that routes showing different forms per URL (settings sections, wizard
        steps) give all of them.
        """
        start = sorted(fill_rule(r.rule, {name: self.ids.get(name, "1") for name in r.arguments})
                       for r in self.rules.values() if "GET" in r.methods and r.endpoint != "static")
        start += self.extra_urls
        targets: dict[str, Target] = {}
        for client in (self.admin, self.anonymous):
            queue, seen, pages = deque(start), set(), Counter()
            while queue:
                url = queue.popleft()
                found = self._match(url, "GET")
                if found is None or url in seen or self._avoided(found[1]):
                    continue
                endpoint = found[0]
                if pages[endpoint] >= PAGES_PER_ENDPOINT:
                    continue
                seen.add(url)
                pages[endpoint] += 1
                self._target(targets, endpoint, url)
                response = client.get(url)
                if response.status_code in (301, 302, 303, 307, 308):
                    location = local_path(response.headers["Location"])
                    if location:
                        queue.append(location)
                    continue
                if not response.content_type.startswith("text/html"):
                    continue
                page = parse_page(url, response.get_data(as_text=True))
                queue.extend(path for path in map(local_path, page.links) if path and path not in seen)
                for form in page.forms:
                    form.action = local_path(form.action) or url
                    method = "POST" if form.method == "post" else "GET"
                    hit = self._match(form.action, method)
                    if hit is None or self._avoided(hit[1]):
                        continue
                    target = self._target(targets, hit[0], form.action)
                    if method == "GET":
                        target.query_keys += [n for n in form.names if n not in target.query_keys]
                        for name in form.names:
                            target.samples.setdefault(name, form.sample(name))
                        queue.append(form.action)
                    elif not any(f.names == form.names for f in target.forms):
                        target.forms.append(form)
        for endpoint, rule in self.rules.items():  # never reached: the fixture's ids by variable name
            self._target(targets, endpoint,
                         fill_rule(rule.rule, {name: self.ids.get(name, "1") for name in rule.arguments}))
        return targets

    def read_query_keys(self, target: Target) -> None:
        """Add the query keys the view reads to the target (the view runs once with a recording request)."""
        ReadKeys.seen = set()
        self.send(self.admin, "GET", target.url, "plain")
        target.query_keys += sorted(k for k in ReadKeys.seen if k not in target.query_keys and k != "csrf_token")

    def read_form_keys(self, target: Target, form: Form) -> list[str]:
        """The form's field names and every other form key the view reads when the filled-in form is posted."""
        ReadKeys.seen = set()
        self.send(self.admin, "POST", form.action, "filled in", form.fields, form.multipart)
        names = [n for n in form.names if n != "csrf_token"]
        return names + sorted(k for k in ReadKeys.seen if k not in names and k != "csrf_token")

    # fuzzing ---------------------------------------------------------------------------------

    def fuzz_variables(self, target: Target) -> None:
        """Hostile values in each URL variable, as admin (all values) and anonymous (the first few)."""
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == target.endpoint)
        method = "GET" if "GET" in target.methods else target.methods[0]
        real = self._match(target.url, method)
        base = {k: str(v) for k, v in (real[1] if real else {}).items()}
        converters = {m.group(2): m.group(1) or "default" for m in VARIABLE.finditer(rule.rule)}
        for name in sorted(rule.arguments):
            values = INT_VARIABLES if converters.get(name) == "int" else STRING_VARIABLES
            for label, value in values.items():
                url = fill_rule(rule.rule, {**{k: base.get(k, self.ids.get(k, "1")) for k in rule.arguments},
                                            name: value})
                self.send(self.admin, method, url, f"<{name}>={label}")
                if label in ("huge_int", "nul"):
                    self.send(self.anonymous, method, url, f"<{name}>={label}")

    def fuzz_query(self, target: Target, client, extra: int) -> None:
        """Hostile values in each query key, one key at a time."""
        for key in target.query_keys:
            for label, value in plan(f"{target.endpoint}?{key}", extra, target.samples.get(key)):
                self.send(client, "GET", target.url, f"?{key}={label}", query=[(key, value)])

    def fuzz_form(self, target: Target, form: Form, names: list[str], client, extra: int) -> None:
        """Hostile values in each field, one field at a time, the other fields filled in."""
        for name in names:
            for label, value in plan(f"{target.endpoint}:{name}", extra, form.sample(name)):
                self.send(client, "POST", form.action, f"{name}={label}", form.fill(name, value), form.multipart)

    def fuzz_all_fields_at_once(self, target: Target, form: Form | None, client) -> None:
        """Each of the always-sent values in every field at once (for visitors the route refuses anyway)."""
        names = [n for n in (form.names if form else []) if n != "csrf_token"] or ["value"]
        for label in ALWAYS:
            fields = [(n, VALUES[label]) for n in names]
            self.send(client, "POST", form.action if form else target.url, f"*={label}", fields,
                      bool(form and form.multipart))

    def ensure_admin(self) -> None:
        """Sign the admin in again if an action signed them out."""
        if self.admin.get("/admin/", follow_redirects=False).status_code != 200:
            self.login()

    def run(self) -> None:
        targets = self.crawl()
        for target in sorted(targets.values(), key=lambda t: (_rank(t.endpoint), t.rule, t.endpoint)):
            if target.endpoint == "static":
                self.send(self.admin, "GET", target.url, "plain")
                self.fuzz_variables(target)
                continue
            public = False
            if "GET" in target.methods:
                self.read_query_keys(target)
                public = self.send(self.anonymous, "GET", target.url, "plain").status_code == 200
                self.fuzz_query(target, self.admin, extra=2)
                if public:
                    self.fuzz_query(target, self.anonymous, extra=1)
            if "POST" in target.methods:
                forms = target.forms or [Form(action=target.url, method="post", multipart=False)]
                for form in forms:
                    names = self.read_form_keys(target, form)
                    self.ensure_admin()
                    self.fuzz_form(target, form, names, self.admin, extra=2)
                    self.ensure_admin()
                    if public:
                        self.fuzz_form(target, form, names, self.anonymous, extra=1)
                    else:
                        self.fuzz_all_fields_at_once(target, form, self.anonymous)
            if target.rule.count("<"):
                self.fuzz_variables(target)
            self.ensure_admin()


@pytest.fixture
def world(app, db, factory):
    """Rows of every kind the routes show: people, lookups, a ticket with a reply, a note and a file,
    a notification, a ticket template and a password-reset token."""
    from crm.auth.reset import make_reset_token
    from crm.notify import inapp
    from crm.people.models import Role
    from plugins.support import services, statuses, ticket_templates, wizard
    from plugins.support.models import Brand, Service, Tag, Topic

    statuses.ensure_defaults()
    department = factory.department("Technical")
    company = factory.company("Northwind")
    contact = factory.contact(company=company)
    admin = factory.admin(email="fuzz-admin@example.com")
    staff = factory.user(departments=[department], managed=[department])
    role = Role(name="fuzz_role", title="Fuzz role", kind="staff")
    db.session.add_all([role, Brand(name="Acme"), Service(name="Hosting"), Tag(name="vip"),
                        Topic(name="Orders", department_id=department.id)])
    db.session.commit()
    ticket = services.open_ticket("Printer on fire", author=admin, contact=contact, department=department,
                                  body="It smokes.", channel="portal")
    reply = services.add_reply(ticket, "Please unplug it.", author=admin, attachments=[
        FileStorage(io.BytesIO(b"hello\n"), filename="notes.txt", content_type="text/plain")])
    services.add_note(ticket, "Internal remark.", author=admin)
    inapp.notify([admin.id], "support.ticket_opened", {"number": ticket.number, "subject": ticket.subject},
                 url=f"/support/tickets/{ticket.number}")
    template = ticket_templates.save_template("Printer", {"subject": "Printer"}, admin)
    token = make_reset_token(staff)
    draft = wizard.start_draft(admin, {"action": "ticket"})
    db.session.commit()
    attachment = reply.attachments[0]
    ids = {
        "number": ticket.number, "post_id": str(reply.id), "attachment_id": str(attachment.id),
        "user_id": str(staff.id), "company_id": str(company.id), "contact_id": str(contact.id),
        "department_id": str(department.id), "role_id": str(role.id), "template_id": str(template.id),
        "token": token, "name": "support", "namespace": "support", "section": "general",
        "key": "logo", "step": "1", "draft_id": draft.id, "filename": "crm/crm.css",
    }
    urls = app.url_map.bind("localhost")
    steps = tuple(urls.build("support.new_ticket_step", {"draft_id": draft.id, "step": n}) for n in (2, 3))
    return {"admin": admin, "ids": ids, "avoid": {("user_id", str(admin.id))}, "extra_urls": steps}


def test_no_route_answers_500_to_hostile_input(app, world):
    fuzzer = Fuzzer(app, world["admin"].email, world["ids"], world["avoid"], world["extra_urls"])
    try:
        fuzzer.run()
    finally:
        fuzzer.close()
    print("requests per endpoint:", *sorted(fuzzer.per_endpoint.items()), sep="\n  ")
    print("slowest:", *[(k, round(v, 2), fuzzer.per_endpoint[k]) for k, v in fuzzer.seconds.most_common(20)], sep="\n  ")
    report = "\n".join(str(f) for f in fuzzer.failures)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} of {fuzzer.sent} requests answered 5xx:\n{report}"
    assert fuzzer.sent > 1000  # the crawl found the routes and their forms
