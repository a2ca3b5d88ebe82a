"""The Bot API emulator (telegram-test-api on 127.0.0.1), started once per test module."""

from __future__ import annotations

import pytest

from tests.e2e.emulator import Emulator, EmulatorUnavailable


@pytest.fixture(scope="module")
def emulator():
    try:
        emu = Emulator().start()
    except EmulatorUnavailable as exc:
        pytest.fail(f"the Bot API emulator is not available: {exc}")
    try:
        yield emu
    finally:
        emu.stop()
