"""Names a package exports but loads with their first use, not with the package.

A web process that only reads the lexicon or a voice profile's title must not pay for the
speech rules or the voice engines (numpy, onnxruntime) that the same package also exports.
Some exported names are also submodules (``speech.normalize`` the function and the module);
importing the submodule would set the package's attribute to the module, so the names are
properties of the package's class, which win over that."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> None:
    """Make each ``name`` of ``package`` load from its submodule (``names[name]``) on first use."""

    def export(name: str, module: str) -> property:
        def get(_: types.ModuleType) -> Any:
            return getattr(importlib.import_module(f"{package}.{module}"), name)

        def ignore(_: types.ModuleType, value: Any) -> None:  # the import system naming a submodule
            pass

        return property(get, ignore)

    namespace = {name: export(name, module) for name, module in names.items()}
    sys.modules[package].__class__ = type("LazyPackage", (types.ModuleType,), namespace)
