#!/usr/bin/env python3
"""Reference losses and per-token gradients for TinyTune's GRPO and SFT objectives
(Tests/TinyTunePluginsTests/Fixtures/objective_reference.json).

Usage (needs PyTorch; CI does not run this, the fixture is committed):
    /root/.venvs/ref/bin/python scripts/reference/make_objective_fixtures.py [--out PATH]

The formulas are TRL's (huggingface/trl, trl/trainer/grpo_trainer.py: `_generate_and_score_completions` for the
advantages, `_compute_loss` for the loss), written here in PyTorch in float64; the gradient with respect to the
current policy's per-token log-probs comes from autograd, independently of the hand-written derivative in Swift.

  advantages  A = r − mean_group(r); unless scale_rewards == "none": A /= std + 1e-4, std = torch.std (unbiased)
              of the group ("group") or of the whole batch ("batch")
  per token   coef_1 = exp(logp − old), coef_2 = clamp(coef_1, 1 − ε, 1 + ε_high)
              ℓ = −min(coef_1 A, coef_2 A) + β (exp(ref − logp) − (ref − logp) − 1)
  loss_type   grpo: ((ℓ m).sum(-1) / m.sum(-1).clamp(min=1)).mean() / steps
              bnpo: (ℓ m).sum() / m.sum().clamp(min=1) / steps
              dr_grpo: (ℓ m).sum() / (B · max_completion_length) / steps
              dapo: (ℓ m).sum() / num_items_in_batch
  masks       mask_truncated_completions: m *= ~truncated; SFT: −(logp m).sum() / m.sum()

Inputs come from numpy's PCG64 with fixed seeds and are stored next to the outputs.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch


def advantages(rewards, group_size, scale):
    r = torch.tensor(rewards, dtype=torch.float64)
    mean = r.view(-1, group_size).mean(dim=1).repeat_interleave(group_size)
    a = r - mean
    if scale == "group":
        std = r.view(-1, group_size).std(dim=1).repeat_interleave(group_size)
    else:
        std = r.std().expand_as(r)
    if scale != "none":
        a = a / (std + 1e-4)
    groups = r.view(-1, group_size).std(dim=1)
    zero = [int(i) for i in torch.nonzero(groups.abs() < 1e-8).flatten()]
    return a.tolist(), zero


def grpo_loss(inp, opt):
    logp = torch.tensor(inp["logProbs"], dtype=torch.float64).view(inp["B"], inp["T"]).requires_grad_(True)
    old = torch.tensor(inp["samplingLogProbs"], dtype=torch.float64).view_as(logp) if inp["samplingLogProbs"] else logp.detach()
    ref = torch.tensor(inp["referenceLogProbs"], dtype=torch.float64).view_as(logp)
    mask = torch.tensor(inp["completionMask"], dtype=torch.float64).view_as(logp)
    adv = torch.tensor(inp["advantages"], dtype=torch.float64)
    if opt["mask_truncated_completions"]:
        truncated = torch.tensor(inp["truncated"])
        mask = mask * (~truncated).unsqueeze(1).double()
    coef_1 = torch.exp(logp - old)
    coef_2 = torch.clamp(coef_1, 1 - opt["epsilon"], 1 + opt["epsilon_high"])
    per_token_loss = -torch.min(coef_1 * adv.unsqueeze(1), coef_2 * adv.unsqueeze(1))
    if opt["beta"] != 0.0:
        per_token_loss = per_token_loss + opt["beta"] * (torch.exp(ref - logp) - (ref - logp) - 1)
    steps = inp["gradientAccumulationSteps"]
    lt = opt["loss_type"]
    if lt == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean() / steps
    elif lt == "bnpo":
        loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1) / steps
    elif lt == "dr_grpo":
        loss = (per_token_loss * mask).sum() / (per_token_loss.size(0) * inp["maxCompletionLength"]) / steps
    elif lt == "dapo":
        loss = (per_token_loss * mask).sum() / inp["tokensInGlobalBatch"]
    else:
        raise ValueError(lt)
    loss.backward()
    return loss.item(), logp.grad.flatten().tolist()


def sft_loss(inp, completion_only):
    logp = torch.tensor(inp["logProbs"], dtype=torch.float64).requires_grad_(True)
    mask = torch.tensor(inp["completionMask"], dtype=torch.float64)
    if not completion_only:
        mask = torch.maximum(mask, torch.tensor(inp["promptMask"], dtype=torch.float64))
    loss = -(logp * mask).sum() / mask.sum()
    loss.backward()
    return loss.item(), logp.grad.tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2]
                                             / "Tests/TinyTunePluginsTests/Fixtures/objective_reference.json"))
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    G, groups, T = 4, 3, 6
    B = G * groups

    # Rewards: a mixed group, a binary group, a zero-variance group.
    rewards = [1.0, 0.0, 0.5, 2.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    adv_cases = []
    for scale in ("group", "batch", "none"):
        values, zero = advantages(rewards, G, scale)
        adv_cases.append({"scale_rewards": scale, "groupSize": G, "rewards": rewards, "advantages": values,
                          "zeroVarianceGroups": zero})

    lengths = [6, 4, 1, 6, 3, 5, 2, 6, 6, 0, 4, 5]
    mask = [[1.0 if t < n else 0.0 for t in range(T)] for n in lengths]
    logp = (-rng.gamma(2.0, 0.6, size=(B, T))).round(6)
    # Sampling policy a little off the current one, so some ratios leave [1 − ε, 1 + ε_high].
    old = (logp + rng.normal(0, 0.25, size=(B, T))).round(6)
    ref = (logp + rng.normal(0, 0.3, size=(B, T))).round(6)
    base = {
        "B": B, "T": T, "logProbs": logp.flatten().tolist(), "referenceLogProbs": ref.flatten().tolist(),
        "completionMask": [x for row in mask for x in row], "advantages": advantages(rewards, G, "group")[0],
        "truncated": [n == T for n in lengths], "maxCompletionLength": 8, "tokensInGlobalBatch": 2.0 * sum(lengths),
        "gradientAccumulationSteps": 2,
    }
    loss_cases = []
    for loss_type in ("grpo", "bnpo", "dr_grpo", "dapo"):
        for beta in (0.0, 0.04):
            for clipping in (False, True):
                for mask_truncated in (False, True):
                    inp = dict(base, samplingLogProbs=old.flatten().tolist() if clipping else None)
                    opt = {"loss_type": loss_type, "beta": beta, "epsilon": 0.2,
                           "epsilon_high": 0.28 if clipping else 0.2, "mask_truncated_completions": mask_truncated,
                           "num_generations": G}
                    loss, grad = grpo_loss(inp, opt)
                    loss_cases.append({"options": opt, "clipping": clipping, "loss": loss, "gradient": grad,
                                       "samplingLogProbs": inp["samplingLogProbs"]})

    sft_inp = {"logProbs": logp.flatten().tolist(), "completionMask": base["completionMask"],
               "promptMask": [1.0 if (i * T + t) % 5 == 0 and base["completionMask"][i * T + t] == 0 else 0.0
                              for i in range(B) for t in range(T)]}
    sft_cases = []
    for completion_only in (True, False):
        loss, grad = sft_loss(sft_inp, completion_only)
        sft_cases.append({"completion_only_loss": completion_only, "loss": loss, "gradient": grad})

    fixture = {"about": "scripts/reference/make_objective_fixtures.py; TRL's GRPO formulas in PyTorch float64",
               "torch": torch.__version__, "advantages": adv_cases, "grpoInputs": base, "grpo": loss_cases,
               "sftInputs": sft_inp, "sft": sft_cases}
    Path(args.out).write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {len(loss_cases)} GRPO cases, {len(sft_cases)} SFT cases, {len(adv_cases)} advantage cases to {args.out}")


if __name__ == "__main__":
    main()
