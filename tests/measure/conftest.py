"""Small models, fake chips, fake clocks and fake energy counters for the meter tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from computegov.catalog.chip import Chip  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Two shared cores: keep torch to one thread in every test."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


@pytest.fixture
def mlp() -> MLP:
    torch.manual_seed(0)
    return MLP()


@pytest.fixture
def cnn() -> SmallCNN:
    torch.manual_seed(0)
    return SmallCNN()


@pytest.fixture
def fake_chip() -> Chip:
    """A made-up accelerator with round peaks (test data, not a real product)."""
    return Chip(
        name="Fake X1",
        kind="gpu",
        peak_flop_per_s={"fp32": 1e12, "bf16": 8e12},
        tdp_w=300.0,
        origin="user",
    )


class FakeClock:
    """A clock advanced by hand."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


class FakeEnergy:
    """An energy source whose counter advances by a fixed power on a fake clock."""

    name = "fake"
    scope = "host:fake"
    available = True
    reason = None

    def __init__(self, clock: FakeClock, power_w: float) -> None:
        self.clock = clock
        self.power_w = power_w

    def read_j(self) -> float:
        return self.power_w * self.clock.now_s


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_fake_energy(fake_clock: FakeClock) -> Callable[[float], FakeEnergy]:
    return lambda power_w: FakeEnergy(fake_clock, power_w)
