"""schemathesis over the API's own OpenAPI document, against a real server.

`fuzz(base_url, headers)` loads /api/openapi.json from the server, generates a bounded number of
requests per operation (hypothesis, derandomized: the same requests on every run), sends them
with the given credentials and checks each answer: no server error, a status the document lists
for the operation, a body of the documented schema and content type. Used by
core/tests/test_api_fuzz.py (as the office and as a county's token) and by the hardening bench.
"""

from dataclasses import dataclass, field

EXAMPLES = 12  # per operation: the whole run stays well under a minute


@dataclass
class Outcome:
    cases: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(
    base_url: str,
    headers: dict[str, str],
    *,
    schema_headers: dict[str, str] | None = None,
    examples: int = EXAMPLES,
) -> Outcome:
    """`headers` go with every generated request; `schema_headers` fetch the document (a
    person's session: the document is for signed-in people, not for tokens)."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
    ]
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/openapi.json", headers=schema_headers or headers
    )
    outcome = Outcome()
    for result in schema.get_all_operations():
        _run_operation(result.ok(), base_url, headers, examples, checks, outcome)
    return outcome


def _run_operation(operation, base_url, headers, examples, checks, outcome) -> None:
    import hypothesis
    from hypothesis import HealthCheck, Phase

    label = f"{operation.method.upper()} {operation.path}"
    if True:

        @hypothesis.settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def one(case):
            outcome.cases += 1
            response = case.call(base_url=base_url, headers=headers)
            if response.status_code >= 500:
                outcome.server_errors += 1
            try:
                case.validate_response(response, checks=checks)
            except Exception as error:  # noqa: BLE001 - every failed check is one finding
                first = str(error).strip().splitlines()
                outcome.failures.append(
                    f"{label} → {response.status_code}: {first[0] if first else type(error)}"
                    f" [{case.as_curl_command()}]"
                )

        one()


def session_headers(server, username: str) -> dict[str, str]:
    """A browser's credentials on the live server: its session cookie and its CSRF token."""
    client = server.client(username)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {
        "Cookie": cookies,
        "X-CSRFToken": client.cookies["csrftoken"],
        "Referer": f"{server.url}/",
    }


def county_token_headers(server, unit_code: str = "TA") -> dict[str, str]:
    """A bearer token for a county's system (the test city's 甲县), with every code a token may
    carry, issued by the security administrator on the live server's database."""
    out = server.run_python(
        "from jianfu.core import permissions, services\n"
        "_t, secret = services.token_issue(by=User.objects.get(username='secadmin'), "
        f"name='fuzz-{unit_code}', unit=Unit.objects.get(code={unit_code!r}), "
        "scopes=sorted(permissions.TOKEN_GRANTABLE))\n"
        "print(secret)\n"
    )
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
