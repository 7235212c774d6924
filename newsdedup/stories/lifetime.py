"""Time as evidence: how a story lives while its reports keep coming.

A report may join a story whose reports are close to it in time. Pairs
further apart than ``horizon`` are *unknown*, not dissimilar: they neither
link in the candidate graph nor count in the linkage average (average over
the known pairs only). So a story spans weeks through its follow-ups, each
within the horizon of an earlier one, while a look-alike event months later
with no reports in between shares no known pair with it and stays apart.

Inside the horizon, time weighs as evidence that decays with the gap between
a report and the *nearest* report of the other side (Gaussian, as the time
features of Priberam's streaming clustering, Miranda et al., EMNLP 2018):
the similarity needed to join grows by up to ``weight`` as the gap grows
past ``scale``. Undated reports carry no time evidence either way.

What a saved story needs for this (the next run's state): its reports'
times and representations within ``horizon`` of its newest report; older
reports are unknown to every later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Lifetime:
    """``horizon`` and ``scale`` in seconds (``horizon`` None: every pair is known)."""

    horizon: Optional[float] = None
    scale: float = 1.0
    weight: float = 0.0

    def gaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Absolute gaps between the times ``a`` (rows) and ``b`` (columns); NaN where either is undated."""
        return np.abs(a[:, None] - b[None, :])

    def known(self, gaps: np.ndarray) -> np.ndarray:
        """Pairs that may share a story: within the horizon, or either undated."""
        if self.horizon is None:
            return np.ones(gaps.shape, dtype=bool)
        return ~(gaps > self.horizon)  # NaN compares False: undated pairs are known

    def penalty(self, gaps: np.ndarray) -> np.ndarray:
        """Similarity lost to the gap: ``weight * (1 - exp(-(gap / scale)² / 2))``, 0 when undated."""
        if not self.weight:
            return np.zeros(gaps.shape, dtype=np.float32)
        ratio = np.nan_to_num(gaps, nan=0.0) / self.scale
        return (self.weight * -np.expm1(-0.5 * ratio * ratio)).astype(np.float32)
