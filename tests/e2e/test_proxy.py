"""Behind the reverse proxy, sign-in limits see each client's own address (a real waitress server)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.store.database import create_store
from cdp.store.keys import create_key_file
from tests.e2e.conftest import PASSWORD, seed
from tests.helpers import run_cdp, served

ATTACKER = "203.0.113.9"
COLLEAGUE = "198.51.100.7"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    paths = Paths(tmp_path / "data")
    store = create_store(paths, create_key_file(paths.key_file))
    seed(store)
    store.close()
    return paths.data_dir


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, name: str, password: str, forwarded_for: str | None) -> int:
    """One sign-in through the form as a browser behind the proxy would send it; the status.

    Over HTTPS the browser sends its same-origin Referer (the policy is ``same-origin``), which
    the CSRF check requires.
    """
    host = urllib.parse.urlsplit(base).netloc
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"} if forwarded_for else {}
    headers["Referer"] = f"https://{host}/signin"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    with opener.open(urllib.request.Request(f"{base}/signin", headers=headers)) as form:
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.read().decode()).group(1)
    body = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": token}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/signin", data=body, headers=headers)) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_an_attacker_behind_the_proxy_cannot_lock_out_colleagues(data_dir: Path) -> None:
    with served(data_dir, {"CDP_PROXY": "on"}) as base:
        failures = [sign_in(base, name, "wrong password", ATTACKER) for name in ("admin",) * 5 + ("dpo",) * 20]
        assert set(failures) <= {401, 429} and failures[-1] == 429
        assert sign_in(base, "admin", PASSWORD, COLLEAGUE) == 302
        assert sign_in(base, "dpo", PASSWORD, COLLEAGUE) == 302
        assert sign_in(base, "admin", PASSWORD, ATTACKER) == 429


def test_without_the_proxy_setting_a_forged_forwarded_header_changes_nothing(data_dir: Path) -> None:
    with served(data_dir) as base:
        for number in range(5):
            assert sign_in(base, "admin", "wrong password", f"192.0.2.{number}") == 401
        assert sign_in(base, "admin", PASSWORD, "192.0.2.200") == 429


def test_a_proxy_setting_that_is_no_address_is_refused(data_dir: Path) -> None:
    result = run_cdp(data_dir, "serve", env={"CDP_PROXY": "nginx"})
    assert result.returncode == 2
    assert "CDP_PROXY must be 'on', 'off' or the IP address" in result.stderr
