"""The timing model's credit formula, fed the simulator's own weekly chances.

Nothing is estimated here: intent, seasonality, the experiment and every planted effect and
shape come from the simulator. So the distance between these shares and the expected truth
is the error of the credit formula itself, apart from any estimate. The formula is the one
`ml.attribution.timing` uses. A won deal opened in week w owes channel c the share of that
week's chance that c added. That share is multiplied by the chance that, without c, no deal
with the same sales cycle would have opened later and still closed inside the window.
"""

import numpy as np
import pandas as pd
from scipy.special import expit

from simulator import experiment, outcomes
from simulator.config import CHANNELS, SimulationConfig
from simulator.population import generate_chunk
from simulator.touches import generate_touches


def oracle_credit(members: int, seed: int) -> pd.Series:
    """Return each channel's net credit over the won new-business deals of one world."""
    config = SimulationConfig(members=members, seed=seed)
    credit = np.zeros(len(CHANNELS))
    people = accounts = chunk_index = 0
    while people < members:
        size = min(config.chunk_members, members - people)
        chunk = generate_chunk(config, chunk_index, people, size, accounts)
        touches = generate_touches(config, chunk)
        exposure = outcomes.account_exposure(config, chunk, touches)
        base, effects = outcomes.creation_log_odds(config, chunk, exposure)
        design = experiment.assign_experiment(config, chunk, touches)
        log_odds = base + effects.sum(axis=1) + experiment.treatment_log_odds(config, design)
        world = outcomes.simulate_world(
            config, chunk, outcomes.draw_shared(config, chunk), log_odds
        )
        credit += _chunk_credit(config, world, log_odds, effects)
        people += len(chunk.people)
        accounts += len(chunk.accounts)
        chunk_index += 1
    return pd.Series(credit, index=list(CHANNELS))


def _chunk_credit(
    config: SimulationConfig,
    world: outcomes.WorldOutcome,
    log_odds: np.ndarray,
    effects: np.ndarray,
) -> np.ndarray:
    """Sum the net credit per channel over one chunk's won new-business deals."""
    credit = np.zeros(len(CHANNELS))
    for deal in world.closed_won(config.days, "newbusiness"):
        account, week = deal.account, deal.created_day // 7
        chance = expit(log_odds[account, week])
        # Row c: the account's weekly chance in a world without channel c.
        without = expit(log_odds[account][None, :] - effects[account])
        # A later deal, opened mid-week with this deal's sales cycle, must close in the window.
        cycle = deal.close_day - deal.created_day
        last_week = min(config.weeks - 1, (config.days - 1 - cycle - 3) // 7)
        later = without[:, week + 1 : last_week + 1]
        caused = 1 - without[:, week] / chance
        credit += caused * np.prod(1 - later, axis=1)
    return credit
