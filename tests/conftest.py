"""Shared fixtures. Each area keeps its fixtures in tests/plugins/<area>.py; they are imported here."""

from __future__ import annotations

import importlib
import pkgutil

import tests.plugins as _plugins

for _info in pkgutil.iter_modules(_plugins.__path__):
    _mod = importlib.import_module(f"{_plugins.__name__}.{_info.name}")
    globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("_")})
