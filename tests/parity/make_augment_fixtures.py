"""Writes tests/fixtures/augment.safetensors: bilinear resizes (F.interpolate, as torchvision 0.14's
Resize on tensors) and torchvision's affine (its inverse matrix and
sampling grid, written out here with torch alone, since torchvision is not a Debian package on
this machine) for a few parameter sets, nearest and bilinear, on fixed images.

Run from the repository root with Debian's python3 (torch 1.13):
    /usr/bin/python3 tests/parity/make_augment_fixtures.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_file import write_safetensors  # noqa: E402


def inverse_affine_matrix(angle, translate, scale, shear):
    # torchvision.transforms.functional._get_inverse_affine_matrix, centre (0, 0).
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    m[2] += m[0] * (-tx) + m[1] * (-ty)
    m[5] += m[3] * (-tx) + m[4] * (-ty)
    return m


def affine(img, angle, translate, scale, shear, mode):
    # torchvision's F.affine on a tensor with fill=None: _gen_affine_grid + grid_sample.
    c, h, w = img.shape
    theta = torch.tensor(inverse_affine_matrix(angle, translate, scale, shear), dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, h, w, 3)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, h * w, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
    out = torch.nn.functional.grid_sample(img[None], grid.view(1, h, w, 2), mode=mode, padding_mode="zeros",
                                          align_corners=False)
    return out[0]


CASES = [  # name, angle, translate (px), scale, shear (x, y)
    ("rotate", 17.0, (0, 0), 1.0, (0.0, 0.0)),
    ("shift", 0.0, (3, -2), 1.0, (0.0, 0.0)),
    ("scale", 0.0, (0, 0), 0.83, (0.0, 0.0)),
    ("shear", 0.0, (0, 0), 1.0, (12.0, -7.0)),
    ("all", -23.0, (-1, 2), 1.13, (5.0, 3.0)),
]


def main():
    torch.manual_seed(0)
    images = {"gray": (torch.rand(1, 28, 28) * 255).round(), "rgb": torch.rand(3, 10, 13)}
    tensors = dict(("image." + k, v) for k, v in images.items())
    for image_name, img in images.items():
        for name, angle, translate, scale, shear in CASES:
            for mode in ("nearest", "bilinear"):
                tensors[f"{image_name}.{name}.{mode}"] = affine(img, angle, translate, scale, shear, mode)
    for image_name, img in images.items():
        for h, w in ((14, 14), (40, 31), (9, 37)):
            tensors[f"{image_name}.resize.{h}x{w}"] = torch.nn.functional.interpolate(
                img[None], size=(h, w), mode="bilinear", align_corners=False)[0]
    root = os.path.join(os.path.dirname(__file__), "..", "fixtures")
    write_safetensors(os.path.join(root, "augment.safetensors"), tensors)


if __name__ == "__main__":
    main()
