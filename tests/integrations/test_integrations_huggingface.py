"""A tiny Hugging Face model (built from a config, nothing downloaded) through ``Trainer`` with
``ComputegovCallback``, to a report that verifies and a registry on loopback that takes it."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from integration_helpers import report_totals, submit, verify_ok  # noqa: E402

from computegov.integrations.huggingface import ComputegovCallback  # noqa: E402

SEQ, BATCH, STEPS, VOCAB = 16, 4, 6, 64


class _Tokens(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random token sequences; labels are the inputs (causal LM)."""

    def __init__(self, n: int) -> None:
        g = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, VOCAB, (n, SEQ), generator=g)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def _train(tmp_path: Path, key: Path, grad_accum: int = 1) -> ComputegovCallback:
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=VOCAB, n_positions=SEQ, n_embd=32, n_layer=2, n_head=2,
                                    bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config)
    callback = ComputegovCallback(tmp_path / "hf" / "run.jsonl", key_path=key, interval_steps=2, energy=None)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=STEPS, per_device_train_batch_size=BATCH,
        gradient_accumulation_steps=grad_accum, save_strategy="no", report_to=[], use_cpu=True,
        logging_strategy="no", disable_tqdm=True, dataloader_num_workers=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = transformers.Trainer(model=model, args=args, train_dataset=_Tokens(64), callbacks=[callback])
        trainer.train()
    return callback


def test_trainer_run_becomes_a_signed_report_that_verifies(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    callback = _train(tmp_path, keypair[0])
    totals = report_totals(callback, tmp_path / "hf")
    assert totals["steps"] == STEPS
    assert totals["tokens"] == STEPS * BATCH * SEQ  # input_ids elements the model saw
    # The FLOP equal FlopCounterMode's count of one real optimiser step, times the steps.
    assert totals["flop"] > 6 * 0.5 * callback.run.meter._model_params * totals["tokens"]  # type: ignore[union-attr]
    verify_ok(callback.report.path, keypair[1])


def test_gradient_accumulation_counts_optimiser_steps(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    callback = _train(tmp_path, keypair[0], grad_accum=2)
    totals = callback.report.statement["predicate"]["totals"]
    assert totals["steps"] == STEPS
    assert totals["tokens"] == STEPS * 2 * BATCH * SEQ


@pytest.mark.network
def test_trainer_report_is_taken_by_a_registry(
    tmp_path: Path, keypair: tuple[Path, Path], registry_url: tuple[str, str]
) -> None:
    callback = _train(tmp_path, keypair[0])
    got = submit(callback.report.path, tmp_path / "hf" / "run.jsonl", *registry_url)
    assert got["report"]["digest_sha256"]
