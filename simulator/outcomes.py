"""Opportunities, deals and customer lifecycle of one chunk, with channel counterfactuals.

Opportunity creation is a weekly hazard per account. Its log-odds add a base rate, the
account's latent intent, month seasonality and, per channel, the planted effect times the
account's saturated exposure to that channel in earlier weeks. The same uniform draws serve
the world as generated and every counterfactual world without one channel, so the difference
in outcomes is the channel's true incremental effect.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator.config import (
    CHANNELS,
    MECHANICS,
    MONTH_SEASONALITY,
    SEGMENT_CYCLE_SCALE,
    SimulationConfig,
)
from simulator.population import Chunk
from simulator.touches import TouchTable

BASE_LOG_ODDS = -5.6
INTENT_LOG_ODDS = 0.7
WIN_BASE_LOG_ODDS = -0.1
WIN_INTENT_LOG_ODDS = 0.9
LOST_COOLDOWN_WEEKS = 12
MAX_OPPORTUNITIES = 8
EXPANSION_WEEKLY_RATE = 0.006
CHURN_BASE_LOG_ODDS = -1.9
CHURN_INTENT_LOG_ODDS = -0.6
# A customer that never activates (puts the product to use) churns far more often.
CHURN_NOT_ACTIVATED_LOG_ODDS = 1.5
ACTIVATION_BASE_LOG_ODDS = 1.6
ACTIVATION_INTENT_LOG_ODDS = 0.5
MAX_RENEWALS = 10


@dataclass
class Deal:
    """One simulated opportunity (ground truth)."""

    account: int
    deal_type: str
    created_day: int
    close_day: int
    won: bool
    amount: int
    monthly_amount: int

    def is_closed(self, days: int) -> bool:
        """Return whether the deal closed inside the window."""
        return self.close_day < days


@dataclass
class WorldOutcome:
    """Deals and revenue of one world (as generated, or without one channel)."""

    deals: list[Deal]
    churn_day: dict[int, int]
    activation_day: dict[int, int]

    def closed_won(self, days: int, deal_type: str | None = None) -> list[Deal]:
        """Deals won inside the window, optionally of one type."""
        return [
            deal
            for deal in self.deals
            if deal.won and deal.is_closed(days) and deal_type in (None, deal.deal_type)
        ]


@dataclass
class ChunkDraws:
    """Uniform and shape draws shared by all worlds of a chunk (common random numbers)."""

    create: np.ndarray
    create_offset: np.ndarray
    win: np.ndarray
    cycle_gamma: np.ndarray
    expand: np.ndarray
    expand_offset: np.ndarray
    expand_fraction: np.ndarray
    expand_cycle_days: np.ndarray
    expand_win: np.ndarray
    churn: np.ndarray
    activation: np.ndarray
    activation_lag: np.ndarray


def _sigmoid(value: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-value))


def draw_shared(config: SimulationConfig, chunk: Chunk, replicate: int = 0) -> ChunkDraws:
    """Draw every random number the deal process uses, before any world is simulated.

    Replicate 0 is the world that is written out; each later replicate draws the deal process
    again from its own stream, for the truth-noise table.
    """
    key = [config.seed, chunk.index, 4] + ([replicate] if replicate else [])
    rng = np.random.default_rng(key)
    accounts, weeks = len(chunk.accounts), config.weeks
    return ChunkDraws(
        create=rng.random((accounts, weeks)),
        create_offset=rng.integers(0, 7, (accounts, weeks)),
        win=rng.random((accounts, MAX_OPPORTUNITIES)),
        cycle_gamma=rng.gamma(2.0, 22.0, (accounts, MAX_OPPORTUNITIES)),
        expand=rng.random((accounts, weeks)),
        expand_offset=rng.integers(0, 7, (accounts, weeks)),
        expand_fraction=rng.uniform(0.15, 0.6, (accounts, weeks)),
        expand_cycle_days=(7 + rng.gamma(2.0, 10.0, (accounts, weeks))).astype(np.int64),
        expand_win=rng.random((accounts, weeks)),
        churn=rng.random((accounts, MAX_RENEWALS)),
        activation=rng.random(accounts),
        activation_lag=(3 + rng.gamma(2.0, 7.0, accounts)).astype(np.int64),
    )


def account_exposure(config: SimulationConfig, chunk: Chunk, touches: TouchTable) -> np.ndarray:
    """Return saturated exposure per (account, channel, week), from touches of earlier weeks.

    Exposure in week w sums the account's touches of weeks before w, each week's count decayed
    by the channel's `weekly_decay` per week of age, then saturates as 1 - exp(-sum / saturation).
    """
    accounts, weeks = len(chunk.accounts), config.weeks
    account_of_person = np.array(
        [-1 if person.account is None else person.account.index for person in chunk.people]
    )
    first_account = chunk.accounts[0].index if chunk.accounts else 0
    local_account = account_of_person[touches.person] - first_account
    keep = touches.is_touch() & (account_of_person[touches.person] >= 0)
    counts = np.zeros((accounts, len(CHANNELS), weeks))
    week = np.minimum(touches.second[keep] // (7 * 86_400), weeks - 1)
    np.add.at(counts, (local_account[keep], touches.channel[keep], week), 1.0)

    decay = np.array([MECHANICS[channel].weekly_decay for channel in CHANNELS])[None, :]
    decayed = np.zeros_like(counts)
    for w in range(1, weeks):
        decayed[:, :, w] = decay * decayed[:, :, w - 1] + counts[:, :, w - 1]
    saturation = np.array([MECHANICS[channel].saturation for channel in CHANNELS])
    return 1.0 - np.exp(-decayed / saturation[None, :, None])


def _week_seasonality(config: SimulationConfig) -> np.ndarray:
    months = [(config.start + dt.timedelta(days=7 * w + 3)).month - 1 for w in range(config.weeks)]
    return np.log(np.array([MONTH_SEASONALITY[m] for m in months]))


def creation_log_odds(
    config: SimulationConfig, chunk: Chunk, exposure: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (log-odds without channel effects, per-channel effect terms) per account-week."""
    intent = np.array([account.intent for account in chunk.accounts])
    base = BASE_LOG_ODDS + INTENT_LOG_ODDS * intent[:, None] + _week_seasonality(config)[None, :]
    effects = np.array([MECHANICS[channel].effect for channel in CHANNELS])
    return base, exposure * effects[None, :, None]


def simulate_world(
    config: SimulationConfig,
    chunk: Chunk,
    draws: ChunkDraws,
    log_odds: np.ndarray,
) -> WorldOutcome:
    """Run the weekly new-business process, then expansions and churn, for one world.

    Args:
        config: run settings.
        chunk: the chunk's accounts.
        draws: the shared draws.
        log_odds: weekly opportunity log-odds per (account, week) in this world.

    Returns:
        Every deal created in the window and the churn day of each churned account.
    """
    accounts, weeks, days = len(chunk.accounts), config.weeks, config.days
    probability = _sigmoid(log_odds)
    intent = np.array([account.intent for account in chunk.accounts])
    price = np.array([account.monthly_price for account in chunk.accounts])
    win_probability = _sigmoid(WIN_BASE_LOG_ODDS + WIN_INTENT_LOG_ODDS * intent)
    cycle_scale = np.array([SEGMENT_CYCLE_SCALE[account.segment] for account in chunk.accounts])

    free_from_day = np.zeros(accounts, dtype=np.int64)
    opportunities = np.zeros(accounts, dtype=np.int64)
    customer_since = np.full(accounts, -1, dtype=np.int64)
    deals: list[Deal] = []
    for w in range(weeks):
        week_start = 7 * w
        eligible = (customer_since < 0) & (free_from_day <= week_start)
        eligible &= opportunities < MAX_OPPORTUNITIES
        created = np.flatnonzero(eligible & (draws.create[:, w] < probability[:, w]))
        for a in created:
            created_day = week_start + int(draws.create_offset[a, w])
            if created_day >= days:
                continue
            k = opportunities[a]
            close_day = created_day + 14 + int(draws.cycle_gamma[a, k] * cycle_scale[a])
            won = bool(draws.win[a, k] < win_probability[a])
            deals.append(
                Deal(int(a), "newbusiness", created_day, close_day, won, 12 * price[a], price[a])
            )
            opportunities[a] += 1
            free_from_day[a] = close_day + (0 if won else 7 * LOST_COOLDOWN_WEEKS)
            if won:
                customer_since[a] = close_day

    activation_day = _simulate_activation(config, draws, intent, customer_since)
    churn_day = _simulate_churn(config, draws, intent, customer_since, activation_day)
    deals.extend(_simulate_expansions(config, draws, price, customer_since, churn_day))
    return WorldOutcome(deals=deals, churn_day=churn_day, activation_day=activation_day)


def _simulate_activation(
    config: SimulationConfig, draws: ChunkDraws, intent: np.ndarray, customer_since: np.ndarray
) -> dict[int, int]:
    """Return the day each customer activates; customers that never activate are absent."""
    probability = _sigmoid(ACTIVATION_BASE_LOG_ODDS + ACTIVATION_INTENT_LOG_ODDS * intent)
    activation_day: dict[int, int] = {}
    for a in np.flatnonzero(customer_since >= 0):
        day = int(customer_since[a] + draws.activation_lag[a])
        if draws.activation[a] < probability[a] and day < config.days:
            activation_day[int(a)] = day
    return activation_day


def _simulate_churn(
    config: SimulationConfig,
    draws: ChunkDraws,
    intent: np.ndarray,
    customer_since: np.ndarray,
    activation_day: dict[int, int],
) -> dict[int, int]:
    """Return the anniversary day on which each churned customer leaves."""
    churn_day: dict[int, int] = {}
    for a in np.flatnonzero(customer_since >= 0):
        log_odds = CHURN_BASE_LOG_ODDS + CHURN_INTENT_LOG_ODDS * intent[a]
        if int(a) not in activation_day:
            log_odds += CHURN_NOT_ACTIVATED_LOG_ODDS
        churn_probability = float(_sigmoid(np.array(log_odds)))
        for renewal in range(MAX_RENEWALS):
            anniversary = int(customer_since[a]) + 365 * (renewal + 1)
            if anniversary >= config.days:
                break
            if draws.churn[a, renewal] < churn_probability:
                churn_day[int(a)] = anniversary
                break
    return churn_day


def _simulate_expansions(
    config: SimulationConfig,
    draws: ChunkDraws,
    price: np.ndarray,
    customer_since: np.ndarray,
    churn_day: dict[int, int],
) -> list[Deal]:
    deals: list[Deal] = []
    for a in np.flatnonzero(customer_since >= 0):
        first_week = int(customer_since[a]) // 7 + 8
        last_day = churn_day.get(int(a), config.days)
        for w in range(first_week, config.weeks):
            if draws.expand[a, w] >= EXPANSION_WEEKLY_RATE:
                continue
            created_day = 7 * w + int(draws.expand_offset[a, w])
            close_day = created_day + int(draws.expand_cycle_days[a, w])
            if created_day >= last_day or (int(a) in churn_day and close_day >= last_day):
                continue
            monthly = max(10, int(round(price[a] * draws.expand_fraction[a, w], -1)))
            won = bool(draws.expand_win[a, w] < 0.8)
            deals.append(
                Deal(int(a), "existingbusiness", created_day, close_day, won, 12 * monthly, monthly)
            )
    return deals
