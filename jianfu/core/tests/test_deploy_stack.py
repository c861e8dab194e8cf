"""The deployment in deploy/, started locally: nginx with deploy/nginx/jianfu.conf (TLS on a free
port, its own self-signed certificate), granian from the exact ExecStart of
deploy/systemd/jianfu-web.service on its unix socket, the task worker from
jianfu-worker.service. Through nginx: a login with its CSRF token, a page, a static file nginx
serves itself, a token's upload that the task worker checks and writes, and the client's address
(not one it forged) in the audit entry. systemd itself cannot run here; the units are read as
systemd reads them (jianfu/testing/stack.py)."""

import io
import re
import ssl
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from openpyxl import Workbook

from jianfu.testing import stack
from jianfu.testing.live import PASSWORD, LiveServer

HEADER = ["文号", "标题", "发文单位", "联合发文单位", "发文日期", "文件类型"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLIENT_ADDRESS = "127.0.0.3"  # the "browser": a loopback address nothing else uses


def test_nginx_lets_an_upload_of_the_allowed_size_through():
    conf = (stack.DEPLOY / "nginx" / "jianfu.conf").read_text()
    limit_mib = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    # Above the application's limit (whose refusal names it), by at most a multipart envelope.
    assert settings.UPLOAD_MAX_BYTES < limit_mib * 2**20 <= settings.UPLOAD_MAX_BYTES + 2 * 2**20


def test_the_units_run_as_their_own_user_with_the_system_read_only():
    for name in ("jianfu-web.service", "jianfu-worker.service"):
        service = stack.unit_service(name)
        assert service["User"] == ["jianfu"] and service["NoNewPrivileges"] == ["yes"]
        assert service["ProtectSystem"] == ["strict"]
        assert service["ReadWritePaths"] == [stack.SERVER_VAR]
        assert service["EnvironmentFile"] == ["/etc/jianfu/jianfu.env"]
        assert f"JIANFU_VAR_DIR={stack.SERVER_VAR}" in service["Environment"]


@pytest.fixture(scope="module")
def deployed(worker_id, tmp_path_factory):
    live = LiveServer(suffix=f"deploy_{worker_id}")
    here = tmp_path_factory.mktemp("deployed")
    run, static = here / "run", here / "static"
    run.mkdir()
    processes = stack.Processes(here)
    try:
        live.prepare()
        # What /etc/jianfu/jianfu.env holds on a server; the database queue and its worker.
        secrets = {
            "DATABASE_URL": live.database_url,
            "JIANFU_TESTING": "1",  # the test city's fast password hasher
            "JIANFU_TASK_BACKEND": "database",
            "WEB_WORKERS": "2",
        }
        paths = {
            f"{stack.SERVER_ROOT}/.venv": stack.VENV,
            f"{stack.SERVER_ROOT}/static": str(static),
            stack.SERVER_ROOT: str(stack.ROOT),
            stack.SERVER_RUN: str(run),
            stack.SERVER_VAR: str(live.var_dir),
        }
        web, web_env = stack.unit_command("jianfu-web.service", env=secrets, paths=paths)
        worker, worker_env = stack.unit_command("jianfu-worker.service", env=secrets, paths=paths)
        assert web_env["JIANFU_STATIC_ROOT"] == str(static)
        # The operator's step before (re)starting the units.
        collect = stack.python_env(web_env)
        stack.Processes(here).start(
            "collectstatic",
            [stack.VENV + "/bin/jianfu", "collectstatic", "--noinput", "-v", "0"],
            collect,
        ).wait(timeout=120)
        processes.start("web", web, stack.python_env(web_env))
        processes.start("worker", worker, stack.python_env(worker_env))
        https_port, http_port = stack.free_port(), stack.free_port()
        conf = stack.render_nginx(
            here,
            socket_path=run / "web.sock",
            static_root=static,
            https_port=https_port,
            http_port=http_port,
        )
        processes.start("nginx", [stack.nginx_binary(), "-p", str(here), "-c", str(conf)], {})
        url = f"https://127.0.0.1:{https_port}"
        tls = ssl.create_default_context(cafile=str(here / "cert.pem"))
        transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS, verify=tls)
        client = httpx.Client(base_url=url, transport=transport, timeout=60)
        stack.wait_for(
            lambda: client.get("/login/").status_code == 200,
            "granian behind nginx",
            processes.running["web"],
        )
        yield {
            "live": live,
            "client": client,
            "url": url,
            "http": f"http://127.0.0.1:{http_port}",
            "processes": processes,
            "run": run,
            "tls": tls,
        }
    except Exception:
        for name in ("web", "worker", "nginx"):
            if name in processes.running:
                print(f"--- {name}\n{processes.log(name)}")
        raise
    finally:
        processes.stop_all()
        if live.database_url.startswith("postgres"):
            from jianfu.testing.live import _drop_postgres_database

            _drop_postgres_database(live.database_url)


def _log_in(client: httpx.Client, url: str, username: str) -> httpx.Response:
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        # A client's own X-Forwarded-For: nginx replaces it with the address it saw.
        headers={"Referer": f"{url}/login/", "X-Forwarded-For": "203.0.113.9"},
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_deployed_stack_through_nginx(deployed):
    client, live, url = deployed["client"], deployed["live"], deployed["url"]
    # Plain http says where the site is.
    plain = httpx.get(f"{deployed['http']}/login/", follow_redirects=False)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://127.0.0.1")

    # A login through the form, with its CSRF token; the cookies are https-only.
    login = _log_in(client, url, "office")
    session = [c for c in login.headers.get_list("set-cookie") if c.startswith("sessionid=")]
    assert "Secure" in session[0] and "HttpOnly" in session[0]
    page = client.get("/dashboard/")
    assert page.status_code == 200 and "甲县" in page.text
    assert page.headers["strict-transport-security"].startswith("max-age=")

    # The audit entry names the client's address as nginx saw it, not the forged one.
    ip = live.run_python(
        "e = AuditEntry.objects.filter(code='jianfu.core.login.succeeded').latest('seq')\n"
        "print(e.ip)\n"
    ).strip()
    assert ip == CLIENT_ADDRESS

    # A static file, collected and served by nginx with its own lifetime.
    css = client.get("/static/css/jianfu.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.content == Path(stack.ROOT, "jianfu/static/css/jianfu.css").read_bytes()
    assert "max-age=3600" in css.headers["cache-control"]

    # A token's upload: accepted at once, checked and written by the task worker.
    secret = live.run_python(
        "from jianfu.core import services\n"
        "_t, secret = services.token_issue(by=User.objects.get(username='secadmin'), "
        "name='oa', unit=Unit.objects.get(code='TA'), "
        "scopes=['registry.record:view', 'registry.record:edit'])\n"
        "print(secret)\n"
    ).split()[-1]
    tag = uuid.uuid4().hex[:8]
    book = _xlsx(
        [HEADER, [f"甲发〔2025〕{tag}号", f"关于{tag}的通知", "甲县", "", "2025-03-01", "红头"]]
    )
    system = httpx.Client(
        base_url=url, transport=httpx.HTTPTransport(verify=deployed["tls"]), timeout=60
    )
    auth = {"Authorization": f"Bearer {secret}"}
    answer = system.post(
        "/api/imports/registry.document", files={"file": ("发文.xlsx", book, XLSX)}, headers=auth
    )
    assert answer.status_code == 202, answer.text
    job = answer.json()
    done = stack.wait_for(
        lambda: (
            (j := system.get(f"/api/imports/jobs/{job['id']}", headers=auth).json())["status"]
            in ("done", "failed")
            and j
        ),
        "the task worker's import",
        deployed["processes"].running["worker"],
    )
    assert (done["status"], done["created"], done["errors"]) == ("done", 1, [])

    # Stopped as systemd stops the units: SIGTERM, and each exits by itself.
    processes = deployed["processes"]
    assert processes.stop("nginx") == 0
    assert processes.stop("worker") == 0
    assert processes.stop("web") == 0
