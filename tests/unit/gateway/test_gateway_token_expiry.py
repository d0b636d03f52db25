"""Local agent tokens carry an expiry: minted for TOKEN_SECONDS, refused once expired."""

from __future__ import annotations

from pathlib import Path

from bosun.api import gateway as contract
from bosun.gateway import tokens
from bosun.server.governance import agent_token_minter, token_key
from bosun.server.settings import Settings

KEY = b"k" * 32
NOW = 1_800_000_000


def test_a_token_names_its_agent_until_it_expires() -> None:
    token = tokens.agent_token(KEY, "prod", "my.agent", expires=NOW + 60)
    assert token.startswith("bgw2.prod.my.agent.")
    assert tokens.verify(KEY, token, now=NOW) == ("prod", "my.agent")
    assert tokens.verify(KEY, token, now=NOW + 59) == ("prod", "my.agent")
    assert tokens.verify(KEY, token, now=NOW + 60) is None  # expired
    found = tokens.check(KEY, token)
    assert found == tokens.AgentToken("prod", "my.agent", NOW + 60)
    assert found.expired(NOW + 61) and not found.expired(NOW)
    assert found.expires_text() == "2027-01-15T08:01:00Z"


def test_forged_altered_and_old_tokens_are_refused() -> None:
    token = tokens.agent_token(KEY, "prod", "helper", expires=NOW + 60)
    assert tokens.verify(b"other" * 8, token, now=NOW) is None
    assert tokens.verify(KEY, token.replace("prod", "dev"), now=NOW) is None
    later = token.replace(f".{NOW + 60}.", f".{NOW + 999_999}.")  # a longer life
    assert later != token and tokens.check(KEY, later) is None
    assert tokens.check(KEY, "bgw2.prod.helper.soon.abc") is None
    assert tokens.check(KEY, "bgw2.prod") is None
    old = "bgw1.prod.helper.00"  # the format without expiry: ours, but never valid
    assert tokens.is_gateway_token(old) and tokens.check(KEY, old) is None
    assert not tokens.is_gateway_token("eyJhbGciOi.service-account")


def test_the_minter_gives_a_fresh_hour_from_its_clock(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    now = [float(NOW)]
    mint = agent_token_minter(settings, clock=lambda: now[0])
    key = token_key(settings.secret_key_file)
    first = tokens.check(key, mint("default", "helper"))
    assert first is not None and first.expires == NOW + contract.TOKEN_SECONDS
    now[0] += 1200
    second = tokens.check(key, mint("default", "helper"))
    assert second is not None and second.expires == first.expires + 1200
    assert tokens.verify(key, mint("default", "helper"), now=NOW + 1200) == ("default", "helper")
    # another secret key (another installation) does not accept them
    other = token_key(tmp_path / "other.key")
    assert tokens.check(other, mint("default", "helper")) is None
