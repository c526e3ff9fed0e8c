"""Rule-based (heuristic) credit of each touch of a conversion.

Every function takes one row per touch of a converting path with the columns `position`
(0-based, in time order), `path_length` and, where the rule needs them, `age_days` (days from
touch to conversion) or `milestone_position`. It returns the share of the conversion each touch
earns; the shares of one conversion sum to 1.

Position-based rules:
- U-shaped: one touch earns 1, two touches 0.5 each; with three or more the first and last
  earn 0.4 each and the touches between share 0.2 equally.
- W-shaped: the first touch, the milestone touch (the last touch at or before the journey's
  opportunity creation) and the last touch earn 0.3 each and the others share 0.1 equally.
  With exactly three touches the three earn 1/3 each. When the milestone is unknown or is the
  first or last touch, the U-shaped rule applies.
"""

import numpy as np
import pandas as pd

U_ENDS = 0.4
U_MIDDLE = 0.2
W_MILESTONES = 0.3
W_OTHERS = 0.1


def first_touch(touches: pd.DataFrame) -> np.ndarray:
    """Give the whole conversion to the earliest touch."""
    return (touches["position"] == 0).to_numpy(dtype=float)


def last_touch(touches: pd.DataFrame) -> np.ndarray:
    """Give the whole conversion to the latest touch."""
    return (touches["position"] == touches["path_length"] - 1).to_numpy(dtype=float)


def linear(touches: pd.DataFrame) -> np.ndarray:
    """Split the conversion equally over its touches."""
    return 1.0 / touches["path_length"].to_numpy(dtype=float)


def time_decay(touches: pd.DataFrame, keys: pd.Series, half_life_days: float) -> np.ndarray:
    """Weight touches by `2 ** (-age_days / half_life_days)` and normalize per conversion."""
    weights = pd.Series(
        np.exp2(-touches["age_days"].to_numpy(dtype=float) / half_life_days), index=touches.index
    )
    totals = weights.groupby(keys.to_numpy()).transform("sum")
    return (weights / totals).to_numpy()


def position_u(touches: pd.DataFrame) -> np.ndarray:
    """Apply the U-shaped 40/20/40 rule."""
    position = touches["position"].to_numpy()
    length = touches["path_length"].to_numpy()
    ends = (position == 0) | (position == length - 1)
    middle_share = U_MIDDLE / np.maximum(length - 2, 1)
    share = np.where(ends, U_ENDS, middle_share)
    share = np.where(length == 2, 0.5, share)
    return np.where(length == 1, 1.0, share)


def position_w(touches: pd.DataFrame) -> np.ndarray:
    """Apply the W-shaped 30/30/30 rule with the opportunity-creation touch as milestone."""
    position = touches["position"].to_numpy()
    length = touches["path_length"].to_numpy()
    milestone = touches["milestone_position"].to_numpy(dtype=float)
    usable = ~np.isnan(milestone) & (milestone > 0) & (milestone < length - 1)
    marked = (position == 0) | (position == length - 1) | (position == milestone)
    others_share = W_OTHERS / np.maximum(length - 3, 1)
    share = np.where(marked, W_MILESTONES, others_share)
    share = np.where(length == 3, 1.0 / 3.0, share)
    return np.where(usable, share, position_u(touches))
