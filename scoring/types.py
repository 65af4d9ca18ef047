"""Type aliases shared by the engine: the arrays it computes with and the methodology it reads.

A methodology spec is JSON-compatible data (see ``scoring.methodology.validate_spec``), so it is typed as a
mapping of strings to JSON values; the arrays name their dtype.
"""

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import NDArray

Floats: TypeAlias = NDArray[np.float64]
Bools: TypeAlias = NDArray[np.bool_]
Ints: TypeAlias = NDArray[np.int64]
Spec: TypeAlias = Mapping[str, Any]  # a validated methodology: JSON values, checked by validate_spec
Json: TypeAlias = dict[str, Any]  # a JSON-compatible object the engine returns (explanations, details)


class AuditFrames(Protocol):
    """An audit's contribution to a run as the engine's frames (``assessments.inputs.AuditInputs`` is one).

    A dataclass, so a scenario can replace its frames (``dataclasses.replace``) without touching the original.
    """

    __dataclass_fields__: ClassVar[dict[str, Any]]
    region_code: str
    candidates: list[str]  # cluster codes
    anchors: pd.DataFrame
    stakeholders: pd.DataFrame
    partnerships: pd.DataFrame
    cluster_inputs: pd.DataFrame
    forecasts: pd.DataFrame
    priorities: pd.DataFrame
    frameworks_selected: int
    trend_ratings: pd.DataFrame
    cluster_organisations: list[dict[str, Any]]  # governance facts with their clusters
