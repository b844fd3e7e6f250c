"""config.py: where the service listens, from the CLI's flags, the environment, defaults."""

from __future__ import annotations

import pytest

from optimizer_api import config

VARIABLES = ("OPTIMIZER_BIND", "OPTIMIZER_HOST", "OPTIMIZER_PORT")


@pytest.fixture
def env(monkeypatch):
    """Set some of the address variables; the others are unset."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_


def test_the_default_is_loopback_port_8000(env):
    assert config.bind_address() == "127.0.0.1:8000"
    assert config.server().bind == "127.0.0.1:8000"


def test_optimizer_bind_is_used_and_split(env):
    env(OPTIMIZER_BIND="0.0.0.0:9000")
    assert config.bind_address() == "0.0.0.0:9000"
    assert config.bind_address(port=9100) == "0.0.0.0:9100"
    assert config.bind_address(host="10.0.0.1") == "10.0.0.1:9000"
    assert config.bind_address("10.0.0.1", 9100) == "10.0.0.1:9100"


def test_host_and_port_variables_win_over_optimizer_bind_part_by_part(env):
    env(OPTIMIZER_BIND="0.0.0.0:9000", OPTIMIZER_PORT="9200")
    assert config.bind_address() == "0.0.0.0:9200"
    env(OPTIMIZER_HOST="10.0.0.2")
    assert config.bind_address() == "10.0.0.2:9200"
    assert config.bind_address(port=9300) == "10.0.0.2:9300"


@pytest.mark.parametrize(("bind", "expected"), [
    ("0.0.0.0", "0.0.0.0:8000"),
    ("[::1]:9000", "[::1]:9000"),
    ("", "127.0.0.1:8000"),
])
def test_optimizer_bind_forms_gunicorn_reads(env, bind, expected):
    env(OPTIMIZER_BIND=bind)
    assert config.bind_address() == expected


def test_a_socket_bind_is_used_whole_unless_a_part_is_named(env):
    env(OPTIMIZER_BIND="unix:/run/optimizer.sock")
    assert config.bind_address() == "unix:/run/optimizer.sock"
    assert config.bind_address(port=9000) == "127.0.0.1:9000"
