"""Search spaces: parameter types, the unit-cube mapping, parsing and grids.

    params.py         NumericParam, CategoricalParam: their values and canonical forms
    unit.py           the one mapping of values to and from [0, 1], vectorised
    grid.py           the values a grid search visits, one index at a time
    parse.py          a space from its JSON definition, with every problem named
    search_space.py   Space: encode, decode and validate configurations; grid points
"""

from .grid import GridAxis
from .params import CategoricalParam, NumericParam, Param, choice_key
from .parse import MAX_CHOICES, MAX_NAME_LENGTH, MAX_PARAMETERS, MAX_STEPS, parse_param
from .search_space import Space

__all__ = [
    "MAX_CHOICES",
    "MAX_NAME_LENGTH",
    "MAX_PARAMETERS",
    "MAX_STEPS",
    "CategoricalParam",
    "GridAxis",
    "NumericParam",
    "Param",
    "Space",
    "choice_key",
    "parse_param",
]
