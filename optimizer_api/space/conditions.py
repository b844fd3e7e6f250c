"""Conditional parameters: which parameters are active in a configuration.

A parameter with `"when": {"optimizer": ["sgd", "nesterov"]}` is active only when the
categorical `optimizer` is active and takes one of those choices; several keys must all
hold. A parent may itself be conditional, to any depth, but the conditions never form a
cycle. A configuration carries exactly its active parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .params import CategoricalParam, Condition, Param, choice_key, is_number


def parse_when(raw: Any) -> Condition:
    """The shape of a `when` object, or ValueError; its parents are checked later."""
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError("when must be a non-empty object of parent: [choices]")
    out = []
    for parent, values in raw.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"when[{parent!r}] must be a non-empty list of the parent's choices")
        for v in values:
            if not (isinstance(v, str | bool) or is_number(v)):
                raise ValueError(f"when[{parent!r}]: {v!r} is not a string, number or boolean")
        out.append((parent, tuple(values)))
    return tuple(out)


def resolve_conditions(params: Sequence[Param]) -> tuple[list[Param], dict[str, list[str]]]:
    """The parameters with each `when` value written as the parent's own choice, and the
    problems by parameter: unknown or non-categorical parents, values outside the
    parent's choices, cycles."""
    by_name = {p.name: p for p in params}
    out, errors = [], {}
    for p in params:
        when, problems = [], []
        for parent, values in p.when:
            q = by_name.get(parent)
            if q is None:
                problems.append(f"when: unknown parameter {parent!r}")
            elif parent == p.name:
                problems.append("when: a parameter cannot depend on itself")
            elif not isinstance(q, CategoricalParam):
                problems.append(f"when: {parent!r} is not categorical (a {q.type} parameter)")
            else:
                try:
                    when.append((parent, tuple(q.validate_value(v) for v in values)))
                except ValueError as exc:
                    problems.append(f"when[{parent!r}]: {exc}")
        if problems:
            errors[p.name] = problems
        out.append(replace(p, when=tuple(when)))
    if not errors:
        for name, path in _cycles(out).items():
            errors[name] = ["when: the conditions form a cycle " + " -> ".join(path)]
    return out, errors


def topological_order(params: Sequence[Param]) -> list[int]:
    """Indices of params with every parent before its children: each parameter as soon
    as its last parent is placed, depth first (so a grid's count of the combinations
    below a point depends on few parents at a time), otherwise as written.

    Raises:
        ValueError: the conditions form a cycle.
    """
    index = {p.name: i for i, p in enumerate(params)}
    parents = [{index[q] for q, _ in p.when if q in index} for p in params]
    children: list[list[int]] = [[] for _ in params]
    for i, ps in enumerate(parents):
        for q in sorted(ps):
            children[q].append(i)
    placed: set[int] = set()
    order: list[int] = []
    stack = [i for i in reversed(range(len(params))) if not parents[i]]
    while stack:
        i = stack.pop()
        if i in placed:
            continue
        placed.add(i)
        order.append(i)
        ready = [c for c in children[i] if c not in placed and parents[c] <= placed]
        stack.extend(reversed(ready))
    if len(order) != len(params):
        raise ValueError("the conditions form a cycle")
    return order


def holds(when: Condition, config: Mapping[str, Any]) -> bool:
    """Whether every condition holds in a configuration of active parameters only."""
    for parent, values in when:
        if parent not in config:
            return False
        key = choice_key(config[parent])
        if not any(choice_key(v) == key for v in values):
            return False
    return True


def _cycles(params: Sequence[Param]) -> dict[str, list[str]]:
    """Each parameter on a cycle of conditions, with one such cycle (empty if none)."""
    try:
        topological_order(params)
        return {}
    except ValueError:
        pass
    parents = {p.name: [q for q, _ in p.when] for p in params}
    out = {}
    for name in parents:
        came_from: dict[str, str] = {}
        frontier = [name]
        while frontier and name not in came_from:  # breadth first up the parents
            nxt = []
            for a in frontier:
                for q in parents[a]:
                    if q not in came_from:
                        came_from[q] = a
                        nxt.append(q)
            frontier = nxt
        if name in came_from:
            path = [name]
            while len(path) == 1 or path[-1] != name:
                path.append(came_from[path[-1]])
            out[name] = path[::-1]
    return out
