"""The Python model of bench/command_report.ts: a CPU loop of `units` x `iterations` steps.

Point i costs `heavy_units` units when i < heavy_rows, else 1 unit (skewed costs when
heavy_rows > 0); iterations = 0 makes it trivial. Served to psweep when run as a program, and
imported by bench/command_baseline.py, which runs the same functions WaterTAP's way.
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "command"))


def build(options):
    return {
        "iterations": int(options["iterations"]),
        "heavy_rows": int(options.get("heavy_rows", 0)),
        "heavy_units": int(options.get("heavy_units", 1)),
    }


def spin(n, s):
    for i in range(n):
        s += math.sqrt(i + s) * 1e-6
    return s


def evaluate(model, point):
    i = point["i"]
    units = model["heavy_units"] if i < model["heavy_rows"] else 1
    return {"y": spin(units * model["iterations"], i)}


if __name__ == "__main__":
    import psweep_model

    psweep_model.serve(build, evaluate)
