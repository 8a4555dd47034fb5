"""A local exchange of its own for the web view tests (no simulated activity, so that the page
only changes when a test changes the exchange), its demo user and a second trader."""

from __future__ import annotations

import pytest

from tests.api import Api
from tests.conftest import start_exchange


@pytest.fixture(scope="session")
def web_exchange(tmp_path_factory: pytest.TempPathFactory):
    ex = start_exchange(tmp_path_factory.mktemp("web"), "--seed", "7", "--no-activity")
    yield ex
    ex.stop()


@pytest.fixture(scope="session")
def demo(web_exchange) -> Api:
    return Api.for_demo(web_exchange)


@pytest.fixture(scope="session")
def taker(web_exchange) -> Api:
    return Api.for_new_user(web_exchange, "webtaker")
