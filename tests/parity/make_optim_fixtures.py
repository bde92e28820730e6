#!/usr/bin/python3
"""Writes tests/fixtures/optim.safetensors: PyTorch 1.13's learning-rate schedules and optimizer
steps, for tests/core/scheduler_parity_test.cpp and tests/core/optim_parity_test.cpp.

Run with Debian's PyTorch (python3-torch):  /usr/bin/python3 tests/parity/make_optim_fixtures.py

Schedules (lrs are Python floats: doubles, so they go in the header's __metadata__ as repr()
text, which reads back to the same double):
    sched.<case>.lr<g>        the lr of group g after construction, then after each step,
                              comma-separated (ReduceLROnPlateau: after each step only);
    sched.<case>.momentum<g>  OneCycleLR with cycle_momentum: the group's momentum (SGD) or
                              betas[0] (Adam), at the same points.
The C++ test makes the same schedulers case by case (its table names each case once).
Optimizers (float32 tensors):
    opt.init.p<i>             the starting parameters; opt.grad.p<i>.<t>: the gradient at step t;
    opt.<case>.p<i>.<t>       the parameters after step t (t = 0, 1, 2).
Gradient clipping (float32): clip.grad<i> the gradients; clip.norm_<type>.total the total norm
clip_grad_norm_(max_norm=1.0, norm_type) returns and clip.norm_<type>.grad<i> the clipped
gradients, for norm_type 2, 1, 3 and inf; clip.value.grad<i> after clip_grad_value_(0.5).
"""
import math
import os
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "optim.safetensors")

warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()": no training here


def sgd(lrs, momentum=0.0):
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    return torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0], momentum=momentum)


def adam(lrs):
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    return torch.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])


# name: (optimizer, make scheduler, steps after construction, plateau metrics or None)
SCHEDULES = {
    "step": (lambda: sgd([0.1, 0.01]), lambda o: S.StepLR(o, step_size=7, gamma=0.5), 40),
    "step_default": (lambda: sgd([1.0]), lambda o: S.StepLR(o, step_size=3), 30),
    "multistep": (lambda: sgd([0.1, 0.03]), lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3), 40),
    "exponential": (lambda: sgd([0.1, 0.01]), lambda o: S.ExponentialLR(o, gamma=0.95), 60),
    "cosine": (lambda: sgd([0.1, 0.01]), lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 70),
    "cosine_default": (lambda: sgd([0.05]), lambda o: S.CosineAnnealingLR(o, T_max=10), 30),
    "linear": (lambda: sgd([0.1, 0.01]), lambda o: S.LinearLR(o), 30),
    "linear_custom": (lambda: sgd([0.2]), lambda o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=17), 40),
    "onecycle_cos": (lambda: sgd([0.1, 0.01], momentum=0.9), lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.1], total_steps=100),
                     99),
    "onecycle_linear_three_phase": (lambda: adam([0.001]), lambda o: S.OneCycleLR(
        o, max_lr=0.5, epochs=5, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear", three_phase=True,
        div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9), 49),
    "onecycle_no_momentum": (lambda: sgd([0.1, 0.02]), lambda o: S.OneCycleLR(
        o, max_lr=[0.3, 0.05], total_steps=37, pct_start=0.4, cycle_momentum=False), 36),
}
PLATEAUS = {
    "plateau_min": (lambda: sgd([0.1, 0.01]), lambda o: S.ReduceLROnPlateau(
        o, factor=0.5, patience=2, cooldown=1, min_lr=[0.001, 0.0005]),
        [1.0, 0.9, 0.95, 0.91, 0.9, 0.89999, 0.92, 0.8, 0.85, 0.86, 0.87, 0.88, 0.7, 0.7, 0.7, 0.7, 0.7, 0.71,
         0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82, 0.83]),
    "plateau_max_abs": (lambda: sgd([0.05]), lambda o: S.ReduceLROnPlateau(
        o, mode="max", factor=0.2, patience=3, threshold=0.05, threshold_mode="abs", eps=1e-4),
        [0.1, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.36, 0.37, 0.38, 0.39, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46,
         0.47, 0.48, 0.49, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
    "plateau_default": (lambda: sgd([1.0]), lambda o: S.ReduceLROnPlateau(o),
                        [float(math.cos(k / 7.0)) + 0.001 * k for k in range(60)]),
}


def text(values):
    return ",".join(repr(float(v)) for v in values)


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def schedules(meta):
    for name, (make_opt, make_sched, steps) in SCHEDULES.items():
        opt = make_opt()
        sched = make_sched(opt)
        lrs = [[g["lr"]] for g in opt.param_groups]
        moms = [[momentum_of(g)] for g in opt.param_groups]
        for _ in range(steps):
            opt.step()
            sched.step()
            for g, group in enumerate(opt.param_groups):
                lrs[g].append(group["lr"])
                moms[g].append(momentum_of(group))
            assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        for g in range(len(lrs)):
            meta[f"sched.{name}.lr{g}"] = text(lrs[g])
            if isinstance(sched, S.OneCycleLR) and sched.cycle_momentum:
                meta[f"sched.{name}.momentum{g}"] = text(moms[g])
    for name, (make_opt, make_sched, metrics) in PLATEAUS.items():
        opt = make_opt()
        sched = make_sched(opt)
        lrs = [[] for _ in opt.param_groups]
        for m in metrics:
            sched.step(m)
            for g, group in enumerate(opt.param_groups):
                lrs[g].append(group["lr"])
        meta[f"sched.{name}.metrics"] = text(metrics)
        for g in range(len(lrs)):
            meta[f"sched.{name}.lr{g}"] = text(lrs[g])


# name: param_groups (each a dict of options over parameter indices), optimizer class
OPTIMIZERS = {
    "adamw_default": (torch.optim.AdamW, [{"params": [0, 1]}], {}),
    "adamw_amsgrad": (torch.optim.AdamW, [{"params": [0, 1]}],
                      {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    "adamw_groups": (torch.optim.AdamW, [{"params": [0], "lr": 0.05}, {"params": [1], "weight_decay": 0.0,
                                                                         "amsgrad": True}], {"lr": 0.01}),
    "adam_weight_decay": (torch.optim.Adam, [{"params": [0, 1]}], {"lr": 0.02, "weight_decay": 0.1}),
    "sgd_groups": (torch.optim.SGD, [{"params": [0], "momentum": 0.9, "weight_decay": 0.01},
                                     {"params": [1], "lr": 0.3, "nesterov": True, "momentum": 0.5}], {"lr": 0.1}),
    "rmsprop_default": (torch.optim.RMSprop, [{"params": [0, 1]}], {}),
    "rmsprop_momentum": (torch.optim.RMSprop, [{"params": [0, 1]}], {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.05}),
    "rmsprop_centered": (torch.optim.RMSprop, [{"params": [0, 1]}],
                         {"lr": 0.005, "alpha": 0.9, "eps": 1e-6, "centered": True, "momentum": 0.5}),
    "rmsprop_groups": (torch.optim.RMSprop, [{"params": [0], "centered": True}, {"params": [1], "momentum": 0.7,
                                                                                  "lr": 0.03}], {}),
}


def optimizers(tensors):
    g = torch.Generator().manual_seed(11)
    init = [torch.randn(2, 3, generator=g), torch.randn(4, generator=g)]
    # Step 1's gradients are smaller than step 0's, so amsgrad's maximum differs from v.
    grads = [[torch.randn(p.shape, generator=g) * scale for p in init] for scale in (1.0, 0.2, 0.7)]
    for i, p in enumerate(init):
        tensors[f"opt.init.p{i}"] = p
        for t in range(3):
            tensors[f"opt.grad.p{i}.{t}"] = grads[t][i]
    for name, (cls, groups, defaults) in OPTIMIZERS.items():
        params = [p.clone().requires_grad_() for p in init]
        opt = cls([dict(gr, params=[params[i] for i in gr["params"]]) for gr in groups], **defaults)
        for t in range(3):
            for i, p in enumerate(params):
                p.grad = grads[t][i].clone()
            opt.step()
            for i, p in enumerate(params):
                tensors[f"opt.{name}.p{i}.{t}"] = p.detach().clone()


CLIP_NORMS = {"2": 2.0, "1": 1.0, "3": 3.0, "inf": math.inf}


def clipping(tensors):
    g = torch.Generator().manual_seed(12)
    grads = [torch.randn(3, 5, generator=g), torch.randn(7, generator=g) * 3, torch.randn(2, 2, generator=g) * 0.1]
    for i, gr in enumerate(grads):
        tensors[f"clip.grad{i}"] = gr
    for name, norm_type in CLIP_NORMS.items():
        params = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
        tensors[f"clip.norm_{name}.total"] = total.reshape(1)
        for i, p in enumerate(params):
            tensors[f"clip.norm_{name}.grad{i}"] = p.grad
    params = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 0.5)
    for i, p in enumerate(params):
        tensors[f"clip.value.grad{i}"] = p.grad


def main():
    meta, tensors = {"torch": torch.__version__}, {}
    schedules(meta)
    optimizers(tensors)
    clipping(tensors)
    write_safetensors(OUT, tensors, meta)
    print("wrote", OUT, len(tensors), "tensors,", len(meta), "metadata entries")


if __name__ == "__main__":
    main()
