"""An end-to-end demo: train a small model under the meter, write a ledger and a signed report.

The model and data are deliberately tiny and fully deterministic on CPU so that any segment can
be replayed exactly: the batch of step ``s`` is drawn from a generator seeded with
``(seed, s)``, so a replay from a checkpoint at step ``s0`` needs nothing but the seed. The
checkpoint holds the model *and* the optimiser state (momentum buffers), without which a replay
cannot reproduce the updates.

``computegov measure demo --ledger run.jsonl`` calls :func:`run_demo_with_ledger`.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from computegov.errors import InputError
from computegov.ledger.demo_meter import StandInMeter
from computegov.ledger.digests import digest_state_dict

__all__ = ["DemoConfig", "DemoResult", "DemoTrainer", "run_demo_with_ledger"]

logger = logging.getLogger(__name__)

TRAINER_REF = "computegov.ledger.demo:DemoTrainer"


@dataclass(frozen=True)
class DemoConfig:
    """The demo run's hyper-parameters (all that a replay needs besides checkpoints).

    Attributes:
        seed: seeds the initial weights, the teacher and every batch.
        batch_size: samples per step.
        in_features: input width.
        hidden: hidden width of the two-layer MLP.
        classes: output classes.
        lr: SGD learning rate.
        momentum: SGD momentum.
        torch_threads: intra-op threads during training and replay (1 keeps CPU results
            bit-identical across machines with the same torch build).
    """

    seed: int = 0
    batch_size: int = 64
    in_features: int = 32
    hidden: int = 128
    classes: int = 8
    lr: float = 0.05
    momentum: float = 0.9
    torch_threads: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


class DemoTrainer:
    """Builds, trains and replays the demo model (a replay ``trainer`` for :mod:`.replay`).

    Args:
        config: a :class:`DemoConfig` as a dict (as stored in the ledger's ``replay`` spec).
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        try:
            self.config = DemoConfig(**dict(config))
        except TypeError as err:
            raise InputError(f"bad demo trainer config: {err}") from err

    # -- pieces ---------------------------------------------------------------------------
    def build(self) -> tuple[Any, Any]:
        """A freshly initialised model and its optimiser."""
        import torch

        c = self.config
        gen_state = torch.random.get_rng_state()
        try:
            torch.manual_seed(c.seed)
            model = torch.nn.Sequential(
                torch.nn.Linear(c.in_features, c.hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(c.hidden, c.classes),
            )
        finally:
            torch.random.set_rng_state(gen_state)
        opt = torch.optim.SGD(model.parameters(), lr=c.lr, momentum=c.momentum)
        return model, opt

    def batch(self, step: int) -> tuple[Any, Any]:
        """The (inputs, labels) of training step ``step`` (0-based), labelled by a fixed teacher."""
        import torch

        c = self.config
        teacher_gen = torch.Generator().manual_seed(c.seed * 7919 + 1)
        teacher = torch.randn(c.in_features, c.classes, generator=teacher_gen)
        gen = torch.Generator().manual_seed(c.seed * 1_000_003 + step + 17)
        x = torch.randn(c.batch_size, c.in_features, generator=gen)
        y = (x @ teacher).argmax(dim=1)
        return x, y

    def batch_digest(self, step: int) -> str:
        """BLAKE3 of the batch of ``step`` (canonical tensor encoding)."""
        x, y = self.batch(step)
        return digest_state_dict({"x": x, "y": y}, algorithms=("blake3",)).blake3

    def train_steps(
        self,
        model: Any,
        opt: Any,
        start_step: int,
        end_step: int,
        around_step: Callable[[int], Any] | None = None,
    ) -> list[str]:
        """Run steps ``start_step .. end_step - 1``; return the batch digests used.

        ``around_step(step)`` may return a context manager wrapping each step (the meter's).
        """
        import contextlib

        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(self.config.torch_threads)
        digests = []
        try:
            loss_fn = torch.nn.CrossEntropyLoss()
            for step in range(start_step, end_step):
                x, y = self.batch(step)
                digests.append(digest_state_dict({"x": x, "y": y}, algorithms=("blake3",)).blake3)
                ctx = around_step(step) if around_step else contextlib.nullcontext()
                with ctx:
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    opt.step()
        finally:
            torch.set_num_threads(threads)
        return digests

    @staticmethod
    def checkpoint_state(model: Any, opt: Any) -> dict[str, Any]:
        """The state saved at a checkpoint: model and optimiser."""
        return {"model": model.state_dict(), "optimizer": opt.state_dict()}

    # -- replay protocol ------------------------------------------------------------------
    def load(self, path: str | Path) -> tuple[Any, Any, dict[str, Any]]:
        """Model and optimiser restored from a checkpoint file, and the raw state."""
        import torch

        state = torch.load(Path(path), map_location="cpu", weights_only=True)
        model, opt = self.build()
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        return model, opt, state

    def params(self, path: str | Path) -> dict[str, Any]:
        """The model weights stored in a checkpoint file (name -> tensor)."""
        import torch

        state = torch.load(Path(path), map_location="cpu", weights_only=True)
        return dict(state["model"])

    def replay(
        self, checkpoint_path: str | Path, start_step: int, end_step: int
    ) -> tuple[dict[str, Any], list[str]]:
        """Re-run steps ``start_step .. end_step - 1`` from a checkpoint.

        Returns:
            The model weights after the last step and the batch digests used.
        """
        model, opt, _ = self.load(checkpoint_path)
        digests = self.train_steps(model, opt, start_step, end_step)
        return {k: v.detach().clone() for k, v in model.state_dict().items()}, digests


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its outputs.

    Attributes:
        report_path: the signed report (DSSE envelope).
        ledger_path: the ledger (JSON lines).
        public_key_path: the public key to verify with (None when an in-memory key was used).
        checkpoint_paths: checkpoint files, in step order.
        meter: which meter measured (``computegov.measure.ComputeMeter`` or the stand-in).
        chip_in_catalogue: whether the run named a catalogue chip (else the verifier needs its
            own peak FLOP/s, or must accept the missing peak explicitly).
    """

    report_path: Path
    ledger_path: Path
    public_key_path: Path | None
    checkpoint_paths: tuple[Path, ...]
    meter: str
    chip_in_catalogue: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "report_path": str(self.report_path),
            "ledger_path": str(self.ledger_path),
            "public_key_path": str(self.public_key_path) if self.public_key_path else None,
            "checkpoint_paths": [str(p) for p in self.checkpoint_paths],
            "meter": self.meter,
            "verify_with": self.verify_command,
        }

    @property
    def verify_command(self) -> str:
        """The shell command that verifies this run."""
        cmd = f"computegov verify {shlex.quote(str(self.report_path))} --ledger "
        cmd += shlex.quote(str(self.ledger_path))
        if self.public_key_path is not None:
            cmd += f" --key {shlex.quote(str(self.public_key_path))}"
        if not self.chip_in_catalogue:
            # the host CPU has no catalogue peak: the verifier must accept that explicitly (or
            # pass its own --peak-flop-per-s), else the verdict is rightly INCOMPLETE
            cmd += " --allow-missing chip_peak"
        return cmd

    def __fspath__(self) -> str:
        return str(self.report_path)


def run_demo_with_ledger(
    steps: int = 60,
    ledger_path: str | Path = "run.jsonl",
    key_path: str | Path | None = None,
    out_dir: str | Path | None = None,
    seed: int = 0,
    checkpoint_every: int = 10,
    *,
    config: DemoConfig | None = None,
    chip: str | None = None,
    chip_count: int = 1,
    on_step: Callable[[int], None] | None = None,
    use_meter: bool = True,
) -> DemoResult:
    """Train the demo model under the meter, writing a ledger, checkpoints and a signed report.

    Args:
        steps: training steps.
        ledger_path: the ledger to create (must not exist).
        key_path: Ed25519 private key; None creates ``computegov.key``/``.pub`` in ``out_dir``
            (or reuses them if present there).
        out_dir: where checkpoints (and a new key) go; default: the ledger's directory.
        seed: seeds weights, teacher and batches.
        checkpoint_every: steps between checkpoints (a checkpoint is also saved at step 0 and at
            the end); these bound the replayable segments.
        config: demo hyper-parameters (``seed`` is overridden by ``seed``).
        chip: the chip name to record (None: recorded as this host's CPU, not in the catalogue).
        chip_count: chips used.
        on_step: called after each step with the step count done (progress bars).
        use_meter: False forces the stand-in meter even when ``computegov.measure`` exists.

    Returns:
        The paths written (``result.report_path`` is the signed report).

    Raises:
        InputError: ``steps`` or ``checkpoint_every`` is not positive.
    """
    import contextlib
    import platform

    from computegov.ledger.recorder import RunRecorder, report_path_for
    from computegov.ledger.signing import (
        PUBLIC_KEY_NAME,
        generate_keypair,
        key_id,
        load_private_key,
        load_public_key,
    )

    if steps < 1 or checkpoint_every < 1:
        raise InputError(
            f"steps and checkpoint_every must be >= 1, got {steps}, {checkpoint_every}"
        )
    ledger = Path(ledger_path)
    out = Path(out_dir) if out_dir is not None else ledger.parent
    out.mkdir(parents=True, exist_ok=True)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    public_key_path: Path | None = None
    if key_path is None:
        key_path = out / "computegov.key"
        if not key_path.exists():
            generate_keypair(out)
        public_key_path = out / PUBLIC_KEY_NAME
    else:
        # The public key next to the private one, if it really is its pair.
        own_id = load_private_key(key_path).keyid
        for candidate in (
            Path(key_path).with_suffix(".pub"),
            Path(key_path).with_name(PUBLIC_KEY_NAME),
        ):
            try:
                if key_id(load_public_key(candidate)) == own_id:
                    public_key_path = candidate
                    break
            except InputError:
                continue

    cfg = DemoConfig(**{**(config.to_dict() if config else {}), "seed": seed})
    trainer = DemoTrainer(cfg.to_dict())
    model, opt = trainer.build()
    n_params = sum(p.numel() for p in model.parameters())
    ckpt_dir = out / f"{ledger.stem}-checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    meter_class: Any = None
    if use_meter:
        try:
            from computegov.measure import ComputeMeter

            meter_class = ComputeMeter
        except ImportError:
            meter_class = None
    interval_steps = max(1, min(checkpoint_every, 10))
    meter_name = "computegov.measure.ComputeMeter" if meter_class else StandInMeter.name
    metadata = {
        "model": "computegov demo MLP",
        "parameters": n_params,
        "code_revision": f"computegov-demo/{cfg.seed}",
        "hardware": {
            "chip": chip or f"{platform.machine()} CPU (host)",
            "chip_count": chip_count,
            "in_catalogue": chip is not None,
        },
        "meter": {"name": meter_name, "interval_steps": interval_steps},
        "replay": {
            "trainer": TRAINER_REF,
            "config": cfg.to_dict(),
            "checkpoint_every_steps": checkpoint_every,
            "data_order": "batch of step s drawn from torch.Generator seeded (seed*1000003 + s + 17)",
        },
    }

    def sink(record: dict[str, Any]) -> None:
        recorder.record_measurement(record)  # bound below; the meter first calls it in a step

    # The meter first: a chip name it cannot find leaves no ledger file behind.
    meter_obj: Any
    if meter_class is not None:
        meter_obj = meter_class(
            model, chip=chip, sink=sink, interval_steps=interval_steps, energy="auto", seed=seed
        )
    else:
        meter_obj = StandInMeter(sink, interval_steps)
    recorder = RunRecorder(ledger, key_path, metadata)
    tokens = cfg.batch_size  # one "token" per sample for this non-sequence model
    checkpoints: list[Path] = []

    def save(step: int) -> None:
        path = ckpt_dir / f"step-{step:06d}.pt"
        if path.exists():
            path.unlink()
        recorder.record_checkpoint(step, trainer.checkpoint_state(model, opt), path)
        checkpoints.append(path)

    def around(step: int) -> Any:
        return meter_obj.step(tokens=tokens)

    save(0)
    done = 0
    while done < steps:
        end = min(steps, done + checkpoint_every)
        digests = trainer.train_steps(model, opt, done, end, around_step=around)
        for i, d in enumerate(digests):
            recorder.record_batch(done + i, d)
            if on_step:
                on_step(done + i + 1)
        done = end
        if meter_class is not None:
            # close the interval at the checkpoint so intervals never straddle one
            with contextlib.suppress(Exception):
                meter_obj.local_summary()
        else:
            meter_obj.flush()
        save(done)
    meter_obj.close()
    report = recorder.finish({"tokens": steps * tokens, "samples": steps * cfg.batch_size})
    report_path = report.path if report.path is not None else report_path_for(ledger)
    return DemoResult(report_path, ledger, public_key_path, tuple(checkpoints), meter_name, chip is not None)
