"""The Python model of bench/command_report.ts: a CPU loop of `units` x `iterations` steps.

Point i costs `heavy_units` units when i < heavy_rows, else 1 unit (skewed costs when
heavy_rows > 0); iterations = 0 makes it trivial. With `sleep_ms`, a unit sleeps that long instead
of computing (a model that waits on a solver or on I/O, and is not slowed by a busy machine). Served to psweep when run as a program, and
imported by bench/command_baseline.py, which runs the same functions WaterTAP's way.
"""
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "command"))


def build(options):
    return {
        "iterations": int(options["iterations"]),
        "heavy_rows": int(options.get("heavy_rows", 0)),
        "heavy_units": int(options.get("heavy_units", 1)),
        "sleep_ms": float(options.get("sleep_ms", 0)),
    }


def spin(n, s):
    for i in range(n):
        s += math.sqrt(i + s) * 1e-6
    return s


def evaluate(model, point):
    i = point["i"]
    units = model["heavy_units"] if i < model["heavy_rows"] else 1
    if model["sleep_ms"]:
        time.sleep(units * model["sleep_ms"] / 1000)
        return {"y": i}
    return {"y": spin(units * model["iterations"], i)}


if __name__ == "__main__":
    import psweep_model

    psweep_model.serve(build, evaluate)
