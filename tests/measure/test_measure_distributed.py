"""Per-rank meter totals combined across two gloo processes."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    from computegov.measure.meter import ComputeMeter

    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        model = torch.nn.Linear(8, 4)
        batch = 4 * (rank + 1)  # rank 1 does twice the work
        meter = ComputeMeter(model, energy=None, records=Path(out_dir) / "run.jsonl")
        for _ in range(3):
            with meter.step():
                model(torch.randn(batch, 8)).sum().backward()
        summary = meter.close()
        (Path(out_dir) / f"summary{rank}.json").write_text(json.dumps(summary.to_dict()))
    finally:
        dist.destroy_process_group()


def test_two_gloo_ranks_are_summed_with_per_rank_detail(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    per_step = {rank: 2 * 2 * (4 * (rank + 1)) * 8 * 4 for rank in (0, 1)}  # forward + grad weight
    for rank in (0, 1):
        data = json.loads((tmp_path / f"summary{rank}.json").read_text())
        assert data["world_size"] == 2
        assert data["flop"] == 3 * (per_step[0] + per_step[1])  # every rank holds the run total
        assert [r["flop"] for r in data["ranks"]] == [3 * per_step[0], 3 * per_step[1]]
        assert data["steps"] == 3
    assert (tmp_path / "run.jsonl").is_file() and (tmp_path / "run.jsonl.rank1").is_file()
