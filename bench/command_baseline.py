"""WaterTAP's pattern for bench/command_report.ts, on the same Python model (models/busy_model.py).

    python3 bench/command_baseline.py calibrate            -> iterations of about 1 ms
    python3 bench/command_baseline.py direct ROWS OPTIONS  -> ms to evaluate every row in this process
    python3 bench/command_baseline.py pool ROWS OPTIONS    -> ms of one sweep on a warm executor

`pool` runs the sweep as WaterTAP's ConcurrentFuturesParallelManager does: numpy.array_split of
the rows into one contiguous chunk per worker, one future per chunk on a ProcessPoolExecutor of
2 processes, each building the model and evaluating its rows. The executor is started and warmed
before the timed run (like psweep's warm pool). OPTIONS is the model's build options as JSON.
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"))
import busy_model  # noqa: E402

WORKERS = 2


def build_and_execute(options, rows):
    model = busy_model.build(options)
    return np.array([busy_model.evaluate(model, {"i": i})["y"] for i in rows.tolist()])


def calibrate(target_ms=1.0):
    n = 1000
    model = busy_model.build({"iterations": n})
    for _ in range(6):
        model["iterations"] = n
        times = []
        for _ in range(9):
            t0 = time.perf_counter()
            for j in range(20):
                busy_model.evaluate(model, {"i": float(j)})
            times.append((time.perf_counter() - t0) * 50)
        # The fastest run is the one least disturbed by other work on the machine.
        n = max(1, round(n * target_ms / min(times)))
    return n


def main():
    mode = sys.argv[1]
    if mode == "calibrate":
        print(json.dumps({"iterations": calibrate()}))
        return
    rows = int(sys.argv[2])
    options = json.loads(sys.argv[3])
    points = np.arange(rows, dtype=np.float64)
    if mode == "direct":
        model = busy_model.build(options)
        t0 = time.perf_counter()
        for i in points.tolist():
            busy_model.evaluate(model, {"i": i})
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}))
        return
    with ProcessPoolExecutor(max_workers=WORKERS) as ex:
        # Warm: both processes started and the model module imported.
        list(ex.map(build_and_execute, [options] * WORKERS, np.array_split(points[:WORKERS], WORKERS)))
        t0 = time.perf_counter()
        futures = [ex.submit(build_and_execute, options, c) for c in np.array_split(points, WORKERS)]
        ys = np.concatenate([f.result() for f in futures])
        ms = (time.perf_counter() - t0) * 1000
    assert len(ys) == rows
    print(json.dumps({"ms": ms}))


if __name__ == "__main__":
    main()
