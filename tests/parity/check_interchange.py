#!/usr/bin/python3
"""Live check that the seed's CNN crosses between PyTorch and fovea both ways, as a safetensors file.

Usage (Debian's python3-torch; `python3` on PATH may be an interpreter without torch):
  /usr/bin/python3 tests/parity/check_interchange.py [--fovea build/fovea] [--data /work/shared/data/mnist]
                                                     [--work DIR] [--steps 300]
With the official safetensors package (e.g. build/venv-interchange/bin/python, a venv made with
--system-site-packages and `pip install safetensors`), files are also written and read with save_file/load_file.

  a) PyTorch -> fovea: trains CNN_net in torch (--steps seeded SGD steps), saves its state_dict as safetensors,
     runs `fovea eval --model it --limit 1000 --logits F` and compares fovea's logits with torch's.
  b) fovea -> PyTorch: runs `fovea train --epochs 1 --save M`, loads M into torch's CNN_net with load_state_dict
     (strict), through load_file when importable and through this repository's own reader, and compares torch's
     logits with `fovea eval --model M --logits F`.

Every logit must satisfy |fovea - torch| <= 1e-5 * max(|torch|, 1), as tests/parity/interchange_test.cpp checks (the
floor is explained there). Prints the max abs / rel differences and PASS or FAIL per direction.
Exit status: 0 both pass, 1 a direction fails, 2 bad usage or a failed fovea command, 77 skipped (no torch).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
REL, FLOOR, IMAGES = 1e-5, 1.0, 1000

try:
    import torch
except ImportError:
    print(f"SKIP: torch is not importable from {sys.executable}; install Debian's python3-torch and run "
          "/usr/bin/python3 " + os.path.relpath(__file__, REPO))
    sys.exit(77)

sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import make_interchange_fixtures as mx  # noqa: E402  (CNN_net, the MNIST reader, the safetensors helpers)


def run(cmd):
    print("$", " ".join(cmd), flush=True)
    start = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail = p.stdout.strip().splitlines()[-3:]
    for line in tail:
        print("  |", line)
    print(f"  ({time.time() - start:.1f} s, exit {p.returncode})")
    if p.returncode != 0:
        print(p.stdout)
        sys.exit(2)


def load(path):
    """{name: tensor} through the official load_file when importable (cross-checked with our reader), else ours."""
    ours = mx.read_safetensors(path)
    official = mx.official_safetensors()
    if official is None:
        return ours, "make_interchange_fixtures.read_safetensors (the safetensors package is not importable)"
    theirs = official[1](path)
    if theirs.keys() != ours.keys() or any(not torch.equal(theirs[k], ours[k]) for k in theirs):
        raise RuntimeError(f"{path}: load_file and read_safetensors disagree")
    return theirs, "safetensors.torch.load_file (the same tensors as make_interchange_fixtures.read_safetensors)"


def compare(direction, fovea_logits_file, torch_logits, targets):
    got, _ = load(fovea_logits_file)
    a, b = got["logits"].double(), torch_logits.double()
    if a.shape != b.shape or not torch.equal(got["targets"].long(), targets):
        print(f"{direction}: FAIL (fovea's logits {tuple(a.shape)} or targets do not match torch's images)")
        return False
    diff = (a - b).abs()
    bound = REL * b.abs().clamp(min=FLOOR)
    bad = int((diff > bound).sum())
    print(f"{direction}: max |fovea - torch| {diff.max():.3e}, max |diff| / max(|torch|, 1) "
          f"{(diff / b.abs().clamp(min=FLOOR)).max():.3e} (bound {REL:g}), max |diff| / |torch| "
          f"{(diff / b.abs()).max():.3e} (no floor, smallest |torch| {b.abs().min():.2e}); "
          f"{bad} of {b.numel()} logits outside; argmax agree {int((a.argmax(1) == b.argmax(1)).sum())}/{len(b)}, "
          f"torch accuracy {float((b.argmax(1) == targets).double().mean()):.4f}")
    print(f"{direction}: {'PASS' if bad == 0 else 'FAIL'}")
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fovea", default=os.path.join(REPO, "build", "fovea"), help="the fovea binary")
    ap.add_argument("--data", default=mx.DEFAULT_MNIST, help="folder with MNIST's IDX files")
    ap.add_argument("--work", help="folder for the files (default: a temporary folder, removed afterwards)")
    ap.add_argument("--steps", type=int, default=300, help="torch training steps for direction a")
    args = ap.parse_args()
    if not os.access(args.fovea, os.X_OK):
        print(f"error: no fovea binary at {args.fovea} (build it, or pass --fovea)")
        return 2
    work = args.work or tempfile.mkdtemp(prefix="fovea_interchange_")
    os.makedirs(work, exist_ok=True)
    images, targets = mx.mnist(args.data, train=False, limit=IMAGES)
    print(f"torch {torch.__version__} ({sys.executable}), fovea {args.fovea}, work folder {work}")
    eval_cmd = [args.fovea, "eval", "--data", args.data, "--limit", str(IMAGES)]
    ok = []

    # a) PyTorch -> fovea
    print("\n== a) PyTorch -> fovea")
    model = mx.train_briefly(args.data, steps=args.steps, seed=1)
    weights = os.path.join(work, "torch_cnn_net.safetensors")
    print("written with", mx.save(weights, model.state_dict(), {"format": "pt"}))
    with torch.no_grad():
        model.eval()
        torch_logits = model(images)
    fovea_logits = os.path.join(work, "fovea_logits_a.safetensors")
    run(eval_cmd + ["--model", weights, "--logits", fovea_logits])
    ok.append(compare("a) PyTorch -> fovea", fovea_logits, torch_logits, targets))

    # b) fovea -> PyTorch
    print("\n== b) fovea -> PyTorch")
    saved = os.path.join(work, "fovea_cnn_net.safetensors")
    run([args.fovea, "train", "--epochs", "1", "--batch-size", "128", "--data", args.data, "--no-download",
         "--save", saved])
    state, reader = load(saved)
    print("read with", reader)
    model = mx.CNN_net()
    print("torch load_state_dict(strict=True):", model.load_state_dict(state))
    with torch.no_grad():
        model.eval()
        torch_logits = model(images)
    fovea_logits = os.path.join(work, "fovea_logits_b.safetensors")
    run(eval_cmd + ["--model", saved, "--logits", fovea_logits])
    ok.append(compare("b) fovea -> PyTorch", fovea_logits, torch_logits, targets))

    if not args.work:
        shutil.rmtree(work)
    print("\n" + ("PASS" if all(ok) else "FAIL") + ": a) " + ("PASS" if ok[0] else "FAIL") + ", b) " +
          ("PASS" if ok[1] else "FAIL"))
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
