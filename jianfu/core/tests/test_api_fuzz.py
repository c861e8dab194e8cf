"""schemathesis over the OpenAPI document against the real server (granian), as the office
through its browser session and as county A's system through its bearer token: no request it
generates gets a server error, and every answer is one the document describes."""

from jianfu.testing import api_fuzz


def _assert_clean(outcome):
    assert outcome.cases > 0
    assert outcome.server_errors == 0, outcome.failures
    assert not outcome.failures, "\n".join(outcome.failures[:20])


def test_the_api_as_the_office_answers_as_documented(granian_server):
    headers = api_fuzz.session_headers(granian_server, "office")
    _assert_clean(api_fuzz.fuzz(granian_server.url, headers))


def test_the_api_as_a_county_token_answers_as_documented(granian_server):
    headers = api_fuzz.county_token_headers(granian_server, "TA")
    reader = api_fuzz.session_headers(granian_server, "contact_a")
    _assert_clean(api_fuzz.fuzz(granian_server.url, headers, schema_headers=reader))
