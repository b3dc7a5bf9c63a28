"""Op formulas the meter adds to FlopCounterMode, and the causal convention."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch.utils import flop_counter  # noqa: E402

from computegov.measure.flops import complete_flop_mapping, counting  # noqa: E402


@given(
    batch=st.integers(1, 2),
    heads=st.integers(1, 3),
    seq=st.integers(1, 9),
    head_dim=st.integers(1, 8),
    causal=st.booleans(),
)
def test_cpu_attention_counts_the_closed_form(
    batch: int, heads: int, seq: int, head_dim: int, causal: bool
) -> None:
    torch.set_num_threads(1)
    q, k, v = (torch.randn(batch, heads, seq, head_dim, requires_grad=True) for _ in range(3))
    with counting() as result:
        F.scaled_dot_product_attention(q, k, v, is_causal=causal).sum().backward()
    count = result()
    unit = 2 * batch * heads * seq * seq * head_dim  # one (s, d) @ (d, s) product
    assert count.flop_full_attention == 2 * unit + 5 * unit  # forward 2 matmuls, backward 5
    assert count.flop_flopcounter_compatible == 0  # FlopCounterMode has no CPU formula
    assert count.flop_causal_halved == (7 * unit // 2 if causal else 7 * unit)


def test_matrix_vector_products_are_counted() -> None:
    a, v = torch.randn(5, 7), torch.randn(7)
    with counting() as result:
        _ = a @ v
        _ = torch.addmv(torch.randn(5), a, v)
        _ = v @ v
        _ = torch.addbmm(torch.randn(5, 4), torch.randn(3, 5, 7), torch.randn(3, 7, 4))
        _ = a @ a.T
    count = result()
    assert count.by_op == {"mv": 70, "addmv": 70, "dot": 14, "addbmm": 840, "mm": 350}
    assert count.flop_flopcounter_compatible == 350


def test_the_global_flop_registry_is_left_untouched() -> None:
    before = dict(flop_counter.flop_registry)
    complete_flop_mapping()
    assert flop_counter.flop_registry == before
    assert (
        torch.ops.aten._scaled_dot_product_flash_attention_for_cpu not in flop_counter.flop_registry
    )


@given(tokens=st.integers(1, 64))
def test_linear_flop_scale_linearly_with_tokens(tokens: int) -> None:
    layer = torch.nn.Linear(8, 16)
    with counting() as result:
        layer(torch.randn(tokens, 8))
    assert result().flop_full_attention == 2 * tokens * 8 * 16


def test_formulas_registered_later_count_in_both_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = torch.library.Library("computegov_test", "DEF")
    lib.define("twice(Tensor x) -> Tensor")
    lib.impl("twice", lambda x: 2 * x, "CompositeExplicitAutograd")
    monkeypatch.setattr(flop_counter, "flop_registry", dict(flop_counter.flop_registry))
    flop_counter.register_flop_formula(torch.ops.computegov_test.twice)(
        lambda x_shape, out_shape=None, **kwargs: 1000
    )
    with counting() as result:
        torch.ops.computegov_test.twice(torch.ones(3))
    assert result().flop_full_attention == result().flop_flopcounter_compatible == 1000
