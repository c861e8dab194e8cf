"""Scope for every endpoint and the API fuzzed: the hardening bench's first figures.

    .venv/bin/python bench/_hardening_scope.py

endpoints_x_roles_checked: requests of the access walk (jianfu/testing/access.py): every URL and
API operation, as each of the eight roles and anonymously, on a record inside the account's units
and on one outside them, over the tiny demo and one account per role built here (in a transaction
rolled back at the end). leaks_found: what the walk saw that must never be (a server error, a
record outside the account's units answered, a 403 without its reason).
schemathesis_cases / schemathesis_server_errors: requests schemathesis generated from the OpenAPI
document (jianfu/testing/api_fuzz.py) against a real granian server on a database of its own, as
the office's session and as a county's token, and how many of them got a 5xx.
"""

from _setup import figure, start


def run() -> dict[str, int]:
    start("hardening_scope")
    from django.db import transaction

    from jianfu.testing import access, api_fuzz
    from jianfu.testing.live import LiveServer

    with transaction.atomic():
        world = access.build_world()
        seen = access.walk(world, access.every_route())
        transaction.set_rollback(True)
    leaks = access.leaks(seen)
    for leak in leaks:
        print(leak, flush=True)
    server = LiveServer(suffix="bench").start()
    try:
        office = api_fuzz.fuzz(server.url, api_fuzz.session_headers(server, "office"))
        county = api_fuzz.fuzz(
            server.url,
            api_fuzz.county_token_headers(server, "TA"),
            schema_headers=api_fuzz.session_headers(server, "contact_a"),
        )
    finally:
        server.stop()
    for failure in office.failures + county.failures:
        print(failure, flush=True)
    return {
        "endpoints_x_roles_checked": len(seen),
        "leaks_found": len(leaks),
        "schemathesis_cases": office.cases + county.cases,
        "schemathesis_server_errors": office.server_errors + county.server_errors,
    }


if __name__ == "__main__":
    for name, value in run().items():
        figure(name, value)
