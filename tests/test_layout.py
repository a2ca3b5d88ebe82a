"""The layout (README "Layout"): imports run one way, each layer's errors share one base, no module over 350 lines."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bench", "bot", "config", "index", "model", "news", "retrieval", "stores", "tests"}
ALLOWED = {
    "config": {"config"},
    "news": {"news", "config"},
    "model": {"model", "config"},
    "stores": {"stores", "news", "config"},
    "index": {"index", "stores", "model", "news", "config"},
    "retrieval": {"retrieval", "stores", "model", "news", "config"},
    "bot": {"bot", "retrieval", "config"},
}


MAX_LINES = 350


def imported_modules(path: Path) -> set[str]:
    """Top-level modules that ``path`` imports (at module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imported_packages(path: Path) -> set[str]:
    """Top-level packages of ours that ``path`` imports."""
    return imported_modules(path) & OURS


def test_imports_run_one_way():
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            extra = imported_packages(path) - allowed
            if extra:
                wrong.append(f"{path.relative_to(ROOT)} imports {sorted(extra)}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_can_fail(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from index.build import build_index\n", encoding="utf-8")
    assert imported_packages(bad) == {"index"} and "index" not in ALLOWED["retrieval"]


def test_index_holds_only_the_offline_build():
    modules = sorted(p.name for p in (ROOT / "index").glob("*.py"))
    assert len(modules) <= 8, modules


LAYER_ERRORS = {  # each layer's one error base (simonw/llm's errors.py style)
    "config": "config.errors:ConfigError", "news": "news.errors:NewsError", "model": "model.errors:ModelError",
    "stores": "stores.errors:StoreError", "index": "index.build:BuildError", "retrieval": "retrieval.errors:RetrievalError",
}


def test_every_error_derives_from_its_layers_base():
    wrong = []
    for package, where in LAYER_ERRORS.items():
        module, name = where.split(":")
        base = getattr(importlib.import_module(module), name)
        for path in sorted((ROOT / package).glob("*.py")):
            loaded = importlib.import_module(f"{package}.{path.stem}")
            errors = [c for c in vars(loaded).values() if inspect.isclass(c) and issubclass(c, BaseException)
                      and c.__module__ == loaded.__name__]
            wrong += [f"{c.__module__}.{c.__name__}" for c in errors if not issubclass(c, base)]
    assert not wrong, wrong


def test_no_module_is_over_350_lines():
    long = [f"{path.relative_to(ROOT)}: {lines} lines" for package in sorted(OURS - {"tests"})
            for path in sorted((ROOT / package).rglob("*.py"))
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "\n".join(long)
