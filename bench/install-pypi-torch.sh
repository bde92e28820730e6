#!/usr/bin/env bash
# Installs the current PyTorch release from PyPI into a virtual environment under build/, for
# bench/compare.py to run next to Debian's python3-torch (1.13). Used only by the benchmarks:
# neither the build nor the tests need it. Idempotent: when the venv already imports torch it
# returns at once (--upgrade asks PyPI for a newer release and installs it if there is one).
#
#   bench/install-pypi-torch.sh [--venv build/venv-torch] [--version 2.15.0] [--upgrade]
#
# PyPI's Linux wheel of torch is built with CUDA: its libtorch.so is linked against the CUDA
# libraries (cuBLAS, cuDNN, NCCL, cuFile, cuSPARSELt, NVSHMEM, ...), so `import torch` fails
# without them even on a machine that runs it on the CPU only, and download.pytorch.org (which
# has CPU-only wheels) may not be reachable where PyPI is. So this installs the wheel without
# its dependencies, then every dependency its metadata names except Triton (the compiler behind
# torch.compile, which eager CPU training never loads). For torch 2.15.0 (2.15.0+cu132) the venv
# takes 4.4 GB: 1.2 GB torch, 3.0 GB CUDA libraries it never calls here. numpy is added for
# bench/pytorch_epoch.py.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/venv-torch
version=""
upgrade=0
while (($#)); do
  case "$1" in
    --venv) venv="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --upgrade) upgrade=1; shift ;;
    *) echo "install-pypi-torch.sh: unknown flag '$1' (expected --venv DIR, --version X.Y.Z or --upgrade)" >&2; exit 2 ;;
  esac
done
py="$venv/bin/python"
if ((!upgrade)) && [[ -z "$version" ]] && [[ -x "$py" ]] && "$py" -c "import torch, numpy" 2>/dev/null; then
  echo "install-pypi-torch.sh: $venv already has torch $("$py" -c 'import torch; print(torch.__version__)')" >&2
  exit 0
fi
# Debian's python3 (the one python3-torch is built for) makes the venv; python3-venv provides ensurepip.
[[ -x "$py" ]] || /usr/bin/python3 -m venv "$venv" || {
  echo "install-pypi-torch.sh: could not create $venv (Debian needs python3-venv: apt-get install python3-venv)" >&2; exit 1; }
"$py" -m pip install -q --upgrade pip packaging
spec="torch${version:+==$version}"
"$py" -m pip install -q --upgrade --no-deps "$spec"
# The installed wheel's own requirements (environment markers evaluated for this machine), Triton
# and the optional extras left out.
mapfile -t deps < <("$py" - <<'PY'
from importlib.metadata import requires
from packaging.requirements import Requirement
for text in requires("torch") or []:
    req = Requirement(text)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue
    if req.name.lower() == "triton":
        continue
    req.marker = None
    print(req)
PY
)
"$py" -m pip install -q "${deps[@]}" numpy
"$py" -c "import torch, numpy; torch.ones(2) @ torch.ones(2); print('install-pypi-torch.sh: torch', torch.__version__, 'in $venv')"
