"""Sign-in limits hold under concurrent attempts: no more passwords are checked than the limit allows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cdp.staff import accounts
from cdp.store.database import Store

PASSWORD = "a correct and long password"


def test_forty_concurrent_attempts_check_at_most_five_passwords(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.add_user(store, "erika", "dpo", PASSWORD, actor="test")
    checked: list[str] = []
    real_verify = accounts._safe_verify

    def counting_verify(hashed: str, password: str) -> bool:
        checked.append(password)
        return real_verify(hashed, password)

    monkeypatch.setattr(accounts, "_safe_verify", counting_verify)

    def attempt(number: int) -> str:
        try:
            accounts.sign_in(store, "erika", f"wrong {number}", "203.0.113.9")
        except accounts.SignInFailed:
            return "failed"
        except accounts.SignInLimited:
            return "limited"
        return "signed in"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    assert len(checked) == outcomes.count("failed") <= accounts.FAILURES_PER_ACCOUNT_AND_ADDRESS
    assert outcomes.count("limited") == 40 - len(checked)
    with pytest.raises(accounts.SignInLimited):
        accounts.sign_in(store, "erika", PASSWORD, "203.0.113.9")
    assert PASSWORD not in checked
    assert accounts.sign_in(store, "erika", PASSWORD, "198.51.100.7").name == "erika"
