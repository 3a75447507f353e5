"""Building pydantic models without validation, for values the evaluation already
checked: an explanation makes hundreds of nodes, and validating each one again would
cost more than computing it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# The slots of a pydantic model, set directly: a frozen model refuses __setattr__, and
# object.__setattr__ looks the slot up on every call.
# (The slot descriptors are not in pydantic's type stubs, hence Any.)
_slots: Mapping[str, Any] = vars(BaseModel)
_set_dict = _slots["__dict__"].__set__
_set_fields_set = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__


def instance(cls: type[M], data: dict[str, Any], fields_set: set[str]) -> M:
    """An instance of ``cls`` holding ``data`` (every field) as its own."""
    obj = cls.__new__(cls)
    _set_dict(obj, data)
    _set_fields_set(obj, fields_set)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def maker(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """:func:`instance` for one model, every field set; the fastest way to make many."""
    fields_set = set(cls.model_fields)  # shared: pydantic copies it before changing it
    new = cls.__new__

    def make(data: dict[str, Any]) -> M:
        obj = new(cls)
        _set_dict(obj, data)
        _set_fields_set(obj, fields_set)
        _set_extra(obj, None)
        _set_private(obj, None)
        return obj

    return make
