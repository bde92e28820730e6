#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora, fuzz/corpus/<target>/: small valid files and a few tricky
ones per format. Standard library only, except the two JPEG seeds (PIL, Debian's python3-pil; left
as they are when PIL is missing). Deterministic: rerunning rewrites the same bytes.

    /usr/bin/python3 fuzz/make_corpus.py

The seeds are committed; rerun this when a format changes (e.g. a new checkpoint field), then
commit what changed. scripts/fuzz.sh never writes here: what the fuzzers find goes to build-fuzz/.
"""
import gzip
import io
import json
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)  # mtime 0: the same bytes on every run


# ---- IDX: big-endian header (0 0 type ndims, dims as uint32), then the bytes ----------------------
def idx(dims, payload=None, type_code=0x08):
    n = 1
    for d in dims:
        n *= d
    if payload is None:
        payload = bytes((i * 37) % 256 for i in range(n))
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


images = idx([2, 4, 4])
labels = idx([3], bytes([7, 2, 1]))
write("idx", "images_2x4x4.idx", images)
write("idx", "labels_3.idx", labels)
write("idx", "images_2x4x4.idx.gz", gz(images))
write("idx", "labels_3.idx.gz", gz(labels))
write("idx", "two_members.idx.gz", gz(labels[:6]) + gz(labels[6:]))   # gzip allows several members
write("idx", "empty_dim.idx", idx([0, 28, 28], b""))                     # no samples
write("idx", "truncated.idx", idx([2, 4, 4])[:-5])
write("idx", "trailing_byte.idx", idx([3], bytes([1, 2, 3])) + b"\x00")
write("idx", "huge_dims.idx", bytes([0, 0, 8, 4]) + struct.pack(">IIII", 65536, 65536, 65536, 65536))
write("idx", "float_type.idx", idx([2], b"\x00" * 8, type_code=0x0D))
write("idx", "bad_crc.idx.gz", gz(labels)[:-8] + b"\xde\xad\xbe\xef" + gz(labels)[-4:])
write("idx", "truncated.idx.gz", gz(images)[:-10])


# ---- safetensors: u64 LE header length, JSON header, data ------------------------------------------
def safetensors(tensors, metadata=None, header_override=None):
    """tensors: list of (name, shape, raw bytes); laid out in order, header padded with spaces to 8."""
    header, offset, blob = {}, 0, b""
    for name, shape, raw in tensors:
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blob += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = header_override if header_override is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


write("safetensors", "two_tensors.safetensors",
      safetensors([("weight", [2, 2], f32(1, -2, 0.5, 3)), ("bias", [2], f32(0.25, -1))], {"format": "pt"}))
write("safetensors", "scalar.safetensors", safetensors([("s", [], f32(4))]))
write("safetensors", "zero_size.safetensors", safetensors([("empty", [0, 3], b"")]))
write("safetensors", "no_tensors.safetensors", safetensors([], {"note": "nothing"}))
write("safetensors", "header_too_long.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
write("safetensors", "offsets_overflow.safetensors", safetensors([], header_override=
      '{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,18446744073709551615]}}'))
write("safetensors", "shape_mismatch.safetensors", safetensors([], header_override=
      '{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}') + f32(1, 2))
write("safetensors", "f16.safetensors", safetensors([], header_override=
      '{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}') + b"\x00\x3c\x00\x40")
write("safetensors", "overlapping.safetensors", safetensors([], header_override=
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}')
      + f32(1, 2, 3))
write("safetensors", "int64_and_bool.safetensors", safetensors([], header_override=
      '{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"m":{"dtype":"BOOL","shape":[3],"data_offsets":[16,19]}}')
      + struct.pack("<2q", -1, 1 << 40) + b"\x01\x00\x01")
write("safetensors", "bool_bad_byte.safetensors", safetensors([], header_override=
      '{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}') + b"\x01\x02")
write("safetensors", "deep_nesting.safetensors", safetensors([], header_override='{"__metadata__":' + "[" * 2000 + "]" * 2000 + "}"))
write("safetensors", "not_json.safetensors", struct.pack("<Q", 8) + b"{\"a\":tru")


# ---- checkpoint: a safetensors file with fovea's metadata (io::save_checkpoint's fields) ----------
def checkpoint(tensors, **overrides):
    metadata = {
        "fovea.checkpoint": "1",
        "optimizer.type": "SGD",
        "optimizer.hyperparameters": json.dumps({"lr": 0.01, "momentum": 0.5}),
        "epoch": "1",
        "step": "3",
        "epoch_step": "0",
        "partial_metrics": "{}",
        "metrics": json.dumps([{"train_loss": 1.5, "test_accuracy": 0.5}]),
        "config": json.dumps({"--epochs": "2", "--seed": "1"}),
        "generator.default": "mt19937:12345",
    }
    metadata.update(overrides)
    return safetensors(tensors, {k: v for k, v in metadata.items() if v is not None})


tiny = [("model.fc.weight", [2, 3], f32(*range(6))), ("model.fc.bias", [2], f32(0, 1)),
        ("optimizer.state.0.momentum_buffer", [2, 3], f32(*[0.5] * 6))]
write("checkpoint", "tiny_sgd.ckpt", checkpoint(tiny))
write("checkpoint", "tiny_adam.ckpt", checkpoint(tiny, **{"optimizer.type": "Adam",
      "optimizer.hyperparameters": json.dumps({"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8})}))
write("checkpoint", "missing_epoch.ckpt", checkpoint(tiny, epoch=None))
write("checkpoint", "negative_step.ckpt", checkpoint(tiny, step="-1"))
write("checkpoint", "bad_metrics_json.ckpt", checkpoint(tiny, metrics="[{\"a\":"))
write("checkpoint", "deep_config_json.ckpt", checkpoint(tiny, config="[" * 3000 + "]" * 3000))
write("checkpoint", "stray_tensor.ckpt", checkpoint(tiny + [("other", [1], f32(1))]))
write("checkpoint", "future_format.ckpt", checkpoint(tiny, **{"fovea.checkpoint": "2"}))
# The seed's CNN_net keys with shapes too small to be it (a real one is 800 KB): load_cnn_net's
# state-dict checks. And a plain weights file (fovea train --save), as --model reads.
cnn_keys = ["conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias",
            "dense.0.weight", "dense.0.bias", "dense.3.weight", "dense.3.bias"]
write("checkpoint", "cnn_keys_wrong_shapes.safetensors", safetensors([(k, [1], f32(0.5)) for k in cnn_keys]))
write("checkpoint", "cnn_keys_in_checkpoint.ckpt", checkpoint([("model." + k, [1], f32(0.5)) for k in cnn_keys]))


# ---- images: PNG (by hand, zlib), BMP, PGM/PPM, JPEG (PIL) --------------------------------------------
def digit(w, h):
    """A dark stroke on light paper: a rough 7."""
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            ink = (y == h // 5 and w // 5 <= x <= 4 * w // 5) or (x == 4 * w // 5 - (y - h // 5) // 2 and y >= h // 5)
            row.append(20 if ink else 235)
        rows.append(row)
    return rows


def png(w, h, color_type, depth, rows_bytes, extra_chunks=()):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows_bytes)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


g = digit(12, 12)
write("image", "gray8_12x12.png", png(12, 12, 0, 8, [bytes(r) for r in g]))
write("image", "gray16_10x10.png", png(10, 10, 0, 16, [b"".join(struct.pack(">H", v * 257) for v in r[:10]) for r in digit(10, 10)]))
write("image", "rgba_9x9.png", png(9, 9, 6, 8, [b"".join(bytes([v, v, v, 255 if v < 128 else 0]) for v in r) for r in digit(9, 9)]))
write("image", "palette_8x8.png", png(8, 8, 3, 8, [bytes(0 if v < 128 else 1 for v in r) for r in digit(8, 8)],
                                      [(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))]))
mnist_like = [[0] * 28 for _ in range(28)]
for i in range(6, 22):
    mnist_like[i][14] = 255
write("image", "mnist_like_28x28.png", png(28, 28, 0, 8, [bytes(r) for r in mnist_like]))
write("image", "blank_8x8.png", png(8, 8, 0, 8, [bytes([255] * 8)] * 8))
write("image", "too_small_7x7.png", png(7, 7, 0, 8, [bytes([0] * 7)] * 7))
write("image", "huge_header.png", png(20000, 20000, 0, 8, [])[:33] + png(1, 1, 0, 8, [b"\x00"])[33:])
write("image", "truncated.png", png(12, 12, 0, 8, [bytes(r) for r in g])[:60])
write("image", "gray_12x12.pgm", b"P5\n# a comment\n12 12\n255\n" + b"".join(bytes(r) for r in g))
write("image", "gray16_8x8.pgm", b"P5 8 8 65535\n" + b"".join(struct.pack(">H", v * 257) for r in digit(8, 8) for v in r))
write("image", "maxval15_8x8.pgm", b"P5 8 8 15\n" + bytes(v // 17 for r in digit(8, 8) for v in r))
write("image", "ascii_8x8.pgm", "P2\n8 8\n255\n" + "\n".join(" ".join(str(v) for v in r) for r in digit(8, 8)) + "\n")
write("image", "ascii_8x8.ppm", "P3 8 8 255\n" + "\n".join(" ".join(f"{v} {v} {v}" for v in r) for r in digit(8, 8)) + "\n")
write("image", "rgb_8x8.ppm", b"P6 8 8 255\n" + bytes(c for r in digit(8, 8) for v in r for c in (v, v // 2, v)))
write("image", "ascii_out_of_range.pgm", "P2 8 8 255\n" + " ".join(["300"] * 63 + ["-1"]) + "\n")


def bmp(w, h, rows):
    stride = (3 * w + 3) & ~3
    pixels = b"".join(bytes(c for v in r for c in (v, v, v)) + b"\x00" * (stride - 3 * w) for r in reversed(rows))
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) + info + pixels


write("image", "rgb24_9x9.bmp", bmp(9, 9, digit(9, 9)))
try:
    from PIL import Image
    img = Image.new("L", (16, 16))
    img.putdata([v for r in digit(16, 16) for v in r])
    for name, kwargs in (("baseline_16x16.jpg", {}), ("progressive_16x16.jpg", {"progressive": True})):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=75, **kwargs)
        write("image", name, buf.getvalue())
except ImportError:
    print("make_corpus.py: no PIL; the JPEG seeds are left as they are")


# ---- the fovea command's argv: one argument per line --------------------------------------------------
def argv(*args):
    return "\n".join(args)


write("cli", "train_defaults", argv("train"))
write("cli", "train_all", argv("train", "--epochs", "2", "--batch-size", "64", "--test-batch-size", "1000", "--lr", "0.01",
                                "--momentum", "0.5", "--optimizer", "sgd", "--seed", "1", "--threads", "2", "--dataset",
                                "fashion-mnist", "--data", "data", "--no-download", "--save", "m.safetensors",
                                "--checkpoint", "c.ckpt", "--timing"))
write("cli", "train_resume_adam", argv("train", "--resume", "c.ckpt", "--optimizer=adam", "--lr=1e-3"))
write("cli", "train_adam_momentum", argv("train", "--optimizer", "adam", "--momentum", "0.9"))
write("cli", "train_bad_numbers", argv("train", "--epochs", "-1", "--lr", "nan", "--batch-size", "99999999999999999999"))
write("cli", "eval", argv("eval", "--model", "m.safetensors", "--limit", "10", "--json", "--logits", "l.safetensors"))
write("cli", "predict", argv("predict", "--model", "m.safetensors", "--top", "3", "--json", "a.png", "b.pgm"))
write("cli", "export", argv("export", "--model", "m.safetensors", "--onnx", "m.onnx", "--opset", "13"))
write("cli", "export_bad_opset", argv("export", "--model", "m", "--onnx", "o", "--opset", "999"))
write("cli", "version", argv("--version"))
write("cli", "help", argv("predict", "--help"))
write("cli", "two_subcommands", argv("train", "eval"))
write("cli", "nul_separated", b"predict\x00--model\x00m\x00--\x00-x.png")
write("cli", "unknown_flag", argv("train", "--no-such-flag", "--epochs"))
