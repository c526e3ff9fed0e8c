from pathlib import Path

import pytest

from simulator.config import SimulationConfig
from simulator.run import simulate


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One simulated community of 1,000 members, seed 7, shared by the simulator tests."""
    out = tmp_path_factory.mktemp("simulated")
    simulate(SimulationConfig(members=1000, seed=7), out)
    return out
