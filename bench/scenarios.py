"""Log the benchmark agent in to a running server and write the scenario file wrk measures.

    python bench/scenarios.py OUT.json [--base http://127.0.0.1:8810] [--database-url URL]

Signs in through the real login form (CSRF token and all), checks that the
staff ticket list shows 50 tickets and that the ticket page with 50 replies
answers 200 with its conversation (not a login redirect); then signs the
seeded customer in on the portal of the first brand and checks the portal's
ticket list (a page of their tickets) and the same ticket's page; writes a JSON
list of ``{"name", "url", "headers", "server", "what", "sql_queries", "bytes"}``.
With ``--database-url`` the SQL queries per page are counted in process
against the same database and put in the file.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed import AGENT, BIG_TICKET_REPLIES, CUSTOMER, PASSWORD  # noqa: E402


# Flask-Login's strong session protection ties the session to the client's address and
# User-Agent: wrk must send the same User-Agent as the login did.
USER_AGENT = "crm-bench"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _login(base: str, login_path: str = "/login", email: str = AGENT) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}{login_path}").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        sys.exit("no CSRF token on the login page")
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": PASSWORD}).encode()
    try:
        opener.open(f"{base}{login_path}", data=data)
        sys.exit("login did not redirect: wrong password or the database is not seeded")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            sys.exit(f"login answered {exc.code}")
    cookie = next((c for c in jar if c.name == "session"), None)
    if cookie is None:
        sys.exit("no session cookie after login")
    return f"session={cookie.value}", opener


def _get(opener, url: str) -> str:
    try:
        response = opener.open(url)
    except urllib.error.HTTPError as exc:
        sys.exit(f"{url} answered {exc.code}")
    if response.status != 200:
        sys.exit(f"{url} answered {response.status}")
    return response.read().decode()


def _count_queries(database_url: str, urls: list[str], login_path: str = "/login", email: str = AGENT) -> list[int]:
    """SQL queries per request of each URL (after a warm-up), measured in process with the test client."""
    import os

    from sqlalchemy import event

    from crm import create_app
    from crm.extensions import db

    instance = os.environ.get("CRM_INSTANCE_PATH") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours", "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    client.post(login_path, data={"email": email, "password": PASSWORD})
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    counts = []
    for url in urls:
        client.get(url)
        seen.clear()
        assert client.get(url).status_code == 200
        counts.append(len(seen))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--base", default="http://127.0.0.1:8810")
    parser.add_argument("--database-url", help="count SQL queries per page in process against this database")
    parser.add_argument("--portal", default="acme-cloud", help="the slug of the portal the customer signs in to")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    cookie, opener = _login(base)
    listing = _get(opener, f"{base}/support/tickets")
    rows = len(re.findall(r'<input type="checkbox" name="ids"', listing))
    if rows != 50:
        sys.exit(f"the ticket list shows {rows} tickets, expected 50")
    numbers = re.findall(r'href="/support/tickets/([0-9]+-[0-9]+)"', listing)
    # the seed makes the newest ticket the one with the replies; the list shows the newest first
    number = numbers[0]
    ticket = _get(opener, f"{base}/support/tickets/{number}")
    posts = len(re.findall(r'<article class="post ', ticket))
    if posts < BIG_TICKET_REPLIES:
        sys.exit(f"ticket {number} shows {posts} posts, expected at least {BIG_TICKET_REPLIES}")

    paths = ["/support/tickets", f"/support/tickets/{number}"]
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    for path in paths:  # what wrk will send must get the page, not a login redirect
        check = urllib.request.build_opener(_NoRedirect)
        check.addheaders = [("User-Agent", USER_AGENT), ("Cookie", cookie)]
        _get(check, f"{base}{path}")  # a login redirect exits here
    queries = _count_queries(args.database_url, paths) if args.database_url else [None, None]
    scenarios = [
        {"name": "crm_ticket_list", "server": "crm", "url": f"{base}{paths[0]}", "headers": headers,
         "what": "staff ticket list, 50 of 100,000 tickets, logged-in staff user",
         "sql_queries": queries[0], "bytes": len(listing.encode())},
        {"name": "crm_ticket_page", "server": "crm", "url": f"{base}{paths[1]}", "headers": headers,
         "what": f"ticket page with {posts - 1} replies, logged-in staff user",
         "sql_queries": queries[1], "bytes": len(ticket.encode())},
    ]
    scenarios += _portal_scenarios(base, args.portal, number, args.database_url)
    Path(args.out).write_text(json.dumps(scenarios, indent=2) + "\n")
    print(f"wrote {args.out}: list ({rows} rows), ticket {number} ({posts} posts); queries {queries}; "
          f"portal queries {[s['sql_queries'] for s in scenarios[2:]]}")


def _portal_scenarios(base: str, slug: str, number: str, database_url: str | None) -> list[dict]:
    """The portal's ticket list and ticket page as the seeded customer sees them."""
    prefix = f"/portal/{slug}"
    cookie, opener = _login(base, f"{prefix}/login", CUSTOMER)
    listing = _get(opener, f"{base}{prefix}/tickets")
    rows = len(set(re.findall(rf'href="[^"]*{re.escape(prefix)}/tickets/([0-9]+-[0-9]+)"', listing)))
    if rows == 0 or number not in listing:
        sys.exit(f"the portal's ticket list shows {rows} tickets and not {number}")
    ticket = _get(opener, f"{base}{prefix}/tickets/{number}")
    posts = len(re.findall(r'<article class="post ', ticket))
    if posts < BIG_TICKET_REPLIES:
        sys.exit(f"the portal's ticket {number} shows {posts} posts, expected at least {BIG_TICKET_REPLIES}")
    paths = [f"{prefix}/tickets", f"{prefix}/tickets/{number}"]
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    for path in paths:
        check = urllib.request.build_opener(_NoRedirect)
        check.addheaders = [("User-Agent", USER_AGENT), ("Cookie", cookie)]
        _get(check, f"{base}{path}")
    queries = _count_queries(database_url, paths, f"{prefix}/login", CUSTOMER) if database_url else [None, None]
    return [
        {"name": "crm_portal_ticket_list", "server": "crm", "url": f"{base}{paths[0]}", "headers": headers,
         "what": f"portal ticket list, {rows} of the customer's tickets, signed-in customer",
         "sql_queries": queries[0], "bytes": len(listing.encode())},
        {"name": "crm_portal_ticket_page", "server": "crm", "url": f"{base}{paths[1]}", "headers": headers,
         "what": f"portal ticket page with {posts} visible posts, signed-in customer",
         "sql_queries": queries[1], "bytes": len(ticket.encode())},
    ]


if __name__ == "__main__":
    main()
