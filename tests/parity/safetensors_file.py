"""The safetensors writer the fixture scripts share (so that no extra Python package is needed).

The layout safetensors.torch.save_file writes: an 8-byte little-endian header length; compact JSON
with "__metadata__" first (left out when there is none), then one {"dtype", "shape",
"data_offsets"} entry per tensor; spaces up to a multiple of 8; the data in the entries' order.
F32, I64 and BOOL tensors. `sort_names` orders the entries by name, as save_file does for tensors
of one dtype, so that the bytes can be compared with its output.
"""
import json
import os
import struct

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.bool: "BOOL"}


def write_safetensors(path, tensors, metadata=None, sort_names=False):
    header = {"__metadata__": dict(metadata)} if metadata else {}
    blobs, offset = [], 0
    for name in (sorted(tensors) if sort_names else tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()  # little-endian on every machine torch runs on here
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)
