#!/usr/bin/python3
"""Checks a TensorBoard log directory against expected values, reading it with TensorBoard's own
EventAccumulator (the reader behind `tensorboard --logdir`), so that agreement means TensorBoard
shows what the writer meant.

usage: check_tensorboard.py LOG_DIR EXPECTED_JSON

EXPECTED_JSON:
  {"scalars":    {tag: [[step, value], ...]},
   "images":     {tag: [[step, width, height], ...]},
   "histograms": {tag: [[step, min, max, num, sum], ...]}}
Each kind lists every tag the directory must hold, and each tag its events in order. Steps, widths
and heights match exactly; other numbers within a relative 1e-6 (scalars are stored as float32).
A null in place of a number leaves that number unchecked (a histogram of weights the expected
values cannot know).
Prints each tag checked with its count of events; exits 1 with one line per mismatch.
"""
import json
import math
import os
import sys

from tensorboard.backend.event_processing import event_accumulator

USAGE = "usage: check_tensorboard.py LOG_DIR EXPECTED_JSON"
REL_TOL = 1e-6
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def close(actual, expected):
    return expected is None or math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=0.0)


def scalar_mismatches(event, expected):
    step, value = expected
    if event.step != step:
        return [f"step {event.step}, expected {step}"]
    if not close(event.value, value):
        return [f"value {event.value!r}, expected {value!r}"]
    return []


def image_mismatches(event, expected):
    step, width, height = expected
    found = []
    if event.step != step:
        found.append(f"step {event.step}, expected {step}")
    if width is not None and (event.width, event.height) != (width, height):
        found.append(f"{event.width}x{event.height} (width x height), expected {width}x{height}")
    if not event.encoded_image_string.startswith(PNG_SIGNATURE):
        found.append("the encoded image is not a PNG")
    return found


def histogram_mismatches(event, expected):
    step, lo, hi, num, total = expected
    if event.step != step:
        return [f"step {event.step}, expected {step}"]
    h = event.histogram_value
    found = []
    for name, actual, wanted in (("min", h.min, lo), ("max", h.max, hi), ("num", h.num, num),
                                 ("sum", h.sum, total)):
        if not close(actual, wanted):
            found.append(f"{name} {actual!r}, expected {wanted!r}")
    if len(h.bucket_limit) != len(h.bucket):
        found.append(f"{len(h.bucket_limit)} bucket limits for {len(h.bucket)} buckets")
    return found


KINDS = {
    # kind in the JSON: (EventAccumulator's tag list, its reader, the comparison)
    "scalars": (event_accumulator.SCALARS, "Scalars", scalar_mismatches),
    "images": (event_accumulator.IMAGES, "Images", image_mismatches),
    "histograms": (event_accumulator.HISTOGRAMS, "Histograms", histogram_mismatches),
}


def check(log_dir, expected):
    unknown = set(expected) - set(KINDS)
    if unknown:
        return [f"{sorted(unknown)} in the expected file: only {sorted(KINDS)} are known"]
    keep_everything = {kind: 0 for kind in event_accumulator.DEFAULT_SIZE_GUIDANCE}
    accumulator = event_accumulator.EventAccumulator(log_dir, size_guidance=keep_everything)
    accumulator.Reload()
    print(f"{log_dir}: file_version {accumulator.file_version}")
    mismatches = []
    tags = accumulator.Tags()
    for kind, (tag_list, reader, compare) in KINDS.items():
        wanted = expected.get(kind, {})
        present = set(tags.get(tag_list, []))
        for tag in sorted(present - set(wanted)):
            mismatches.append(f"{kind} '{tag}': in the log but not expected")
        for tag, expected_events in wanted.items():
            if tag not in present:
                mismatches.append(f"{kind} '{tag}': expected but not in the log")
                continue
            events = getattr(accumulator, reader)(tag)
            found = []
            if len(events) != len(expected_events):
                found.append(f"{len(events)} events, expected {len(expected_events)}")
            for i, (event, wanted_event) in enumerate(zip(events, expected_events)):
                found += [f"event {i}: {line}" for line in compare(event, wanted_event)]
            mismatches += [f"{kind} '{tag}': {line}" for line in found]
            print(f"{kind} '{tag}': {len(events)} events checked, {'mismatch' if found else 'match'}")
    if accumulator.file_version is None:
        mismatches.append("no file_version record")
    return mismatches


def main(argv):
    if len(argv) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    log_dir, expected_path = argv[1], argv[2]
    if not os.path.isdir(log_dir):
        print(f"MISMATCH {log_dir}: not a directory")
        return 1
    try:
        with open(expected_path) as f:
            expected = json.load(f)
    except (OSError, ValueError) as e:
        print(f"check_tensorboard: cannot read {expected_path}: {e}")
        return 1
    mismatches = check(log_dir, expected)
    for line in mismatches:
        print(f"MISMATCH {line}")
    if mismatches:
        return 1
    tags = sum(len(v) for v in expected.values())
    print(f"OK: TensorBoard's reader agrees with {expected_path} on all {tags} tags")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
