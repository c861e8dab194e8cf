"""The real server the suite starts: signing in through the real login form works, and a page
write without the CSRF token is refused there (the test client never checks it)."""


def test_signed_in_through_the_real_server_sees_the_home_page(granian_server):
    client = granian_server.client("office")
    page = client.get("/")
    assert page.status_code == 200
    assert "测试市" in page.text


def test_a_page_write_without_csrf_token_is_refused_by_the_real_server(granian_server):
    client = granian_server.client("office")
    answer = client.post("/logout/")
    assert answer.status_code == 403
    assert client.get("/").status_code == 200  # still signed in: the logout was refused
