"""A griffe extension for the API reference (named in mkdocs.yml, docs build only).

* Sphinx roles in docstrings (``:class:`~treaty.errors.InputError```) become code
  spans (``InputError``): the code's docstrings use them, markdown does not.
* Pydantic fields get their ``Field(description=...)`` as docstring, so the
  model pages list every field with its meaning.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|const|py:\w+):`(~?)([^`]+)`")


def _role(m: re.Match[str]) -> str:
    target = m.group(2)
    return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"


def _field_description(value: str) -> str | None:
    try:
        call = ast.parse(value, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None)) == "Field"):
        return None
    for kw in call.keywords:
        if kw.arg == "description":
            try:
                return str(ast.literal_eval(kw.value))
            except ValueError:
                return None
    return None


class TreatyDocstrings(griffe.Extension):
    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None and ":" in obj.docstring.value:
            obj.docstring.value = _ROLE.sub(_role, obj.docstring.value)
        if obj.is_attribute and obj.docstring is None and obj.value is not None:
            description = _field_description(str(obj.value))
            if description:
                obj.docstring = griffe.Docstring(_ROLE.sub(_role, description), parent=obj)
