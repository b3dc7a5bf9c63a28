"""A small GPT-style transformer and synthetic batches: the meter's demo, tests and benchmark.

The model is a decoder-only transformer (pre-norm blocks, causal
``F.scaled_dot_product_attention``, GELU MLP of width 4·d, tied input/output embedding), as in
GPT-2 (Radford et al. 2019) at toy size. Its training FLOP have a closed form:
:func:`gpt_training_flop`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from computegov.measure.meter import ComputeMeter
from computegov.measure.summary import MeterSummary

__all__ = [
    "GPTConfig",
    "TinyGPT",
    "build_demo_model",
    "demo_batches",
    "gpt_training_flop",
    "run_demo",
]


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """Size of the demo model.

    Attributes:
        vocab_size: tokens in the vocabulary.
        context: maximum sequence length, tokens.
        d_model: residual width.
        n_layers: transformer blocks.
        n_heads: attention heads (``d_model`` must divide evenly).
    """

    vocab_size: int = 256
    context: int = 64
    d_model: int = 128
    n_layers: int = 2
    n_heads: int = 4


class _Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        d = config.d_model
        self.n_heads = config.n_heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (
            t.view(batch, seq, self.n_heads, d // self.n_heads).transpose(1, 2) for t in (q, k, v)
        )
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attended.transpose(1, 2).reshape(batch, seq, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class TinyGPT(nn.Module):
    """Decoder-only transformer returning next-token logits of shape (batch, seq, vocab)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        self.pos = nn.Embedding(config.context, config.d_model)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.embed.weight  # tied, as in GPT-2

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, seq, vocab) for int64 token ids of shape (batch, seq)."""
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.embed(tokens) + self.pos(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def build_demo_model(seed: int = 0, config: GPTConfig | None = None) -> TinyGPT:
    """The demo model with weights drawn from ``torch.Generator`` seeded by ``seed``.

    Args:
        seed: weight seed (the same seed gives the same weights on every machine).
        config: model size; the default is about 0.4 M matmul parameters.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
        return TinyGPT(config or GPTConfig())


def demo_batches(
    seed: int,
    steps: int,
    *,
    batch_size: int = 8,
    seq_len: int = 64,
    vocab_size: int = 256,
    short_every: int = 0,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Synthetic next-token batches ``(inputs, targets)`` of int64 token ids.

    Args:
        seed: data seed.
        steps: number of batches.
        batch_size: sequences per batch.
        seq_len: tokens per sequence.
        vocab_size: token ids are drawn from ``[0, vocab_size)``.
        short_every: if > 0, every ``short_every``-th batch has half the sequence length
            (a variable-length batch for the signature cache).
    """
    generator = torch.Generator().manual_seed(seed)
    for index in range(steps):
        length = seq_len // 2 if short_every and (index + 1) % short_every == 0 else seq_len
        data = torch.randint(0, vocab_size, (batch_size, length + 1), generator=generator)
        yield data[:, :-1], data[:, 1:]


def gpt_training_flop(config: GPTConfig, batch_size: int, seq_len: int) -> dict[str, int]:
    """Closed-form training FLOP of one step of :class:`TinyGPT` (forward + backward).

    ``6·N·T`` for the matmul weights (N = 12·L·d² + V·d; the bias adds, layer norms and
    softmax are not matrix products and are not counted), plus attention: forward
    ``4·B·s²·d`` per layer (Q·Kᵀ and P·V), backward twice that (PaLM's 12·L·H·Q·T per token,
    Chowdhery et al. 2022, appendix B, covers forward + backward), plus the recomputation of
    the scores in the fused backward, ``2·B·s²·d`` per layer, which torch's formula counts.

    Returns:
        ``{"matmul": ..., "attention_palm": ..., "attention_recompute": ..., "total": ...}``.
    """
    d, layers, vocab = config.d_model, config.n_layers, config.vocab_size
    tokens = batch_size * seq_len
    n_matmul = 12 * layers * d * d + vocab * d
    matmul = 6 * n_matmul * tokens
    attention_palm = 12 * layers * batch_size * seq_len * seq_len * d
    recompute = 2 * layers * batch_size * seq_len * seq_len * d
    return {
        "matmul": matmul,
        "attention_palm": attention_palm,
        "attention_recompute": recompute,
        "total": matmul + attention_palm + recompute,
    }


def run_demo(
    steps: int = 20,
    seed: int = 0,
    sink: Callable[[dict[str, Any]], Any] | None = None,
    records: str | Path | None = None,
    *,
    chip: Any = None,
    interval_steps: int = 5,
    on_step: Callable[[int], None] | None = None,
    **meter_options: Any,
) -> MeterSummary:
    """Train the demo model for ``steps`` steps on CPU under a :class:`ComputeMeter`.

    Every fifth batch is half length, so the meter's signature cache is exercised.

    Args:
        steps: training steps.
        seed: model and data seed.
        sink: receives each interval record (e.g. a ledger's append).
        records: JSON-lines records file.
        chip: chip for MFU (None: no MFU on CPU).
        interval_steps: steps per interval record.
        on_step: called after each step with its index (progress bars).
        **meter_options: passed to :class:`ComputeMeter`.

    Returns:
        The meter's summary.
    """
    model = build_demo_model(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    meter = ComputeMeter(
        model, chip=chip, sink=sink, records=records, interval_steps=interval_steps, **meter_options
    )
    config = model.config
    with meter:
        for index, (inputs, targets) in enumerate(
            demo_batches(
                seed, steps, seq_len=config.context, vocab_size=config.vocab_size, short_every=5
            )
        ):
            with meter.step():
                logits = model(inputs)
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            if on_step is not None:
                on_step(index)
        return meter.summary()
