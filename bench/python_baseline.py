"""Python baseline for bench/pool_report.ts: WaterTAP's concurrent-futures pattern.

    python3 bench/python_baseline.py

The same three workloads as bench/workloads.ts, run the way WaterTAP's
ConcurrentFuturesParallelManager runs a sweep: numpy.array_split of the
parameters into one contiguous chunk per worker, one future per chunk on a
ProcessPoolExecutor, each future running build_and_execute on its chunk,
whose do_execute calls the per-row function for every row.

Timings use a warm executor (started once, like the warm Deno pool) and are
the median of several runs after a warm-up run. Startup is measured apart.
"""

import math
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

WORKERS = 2


# Per-row functions (the user's code), as in bench/workloads.ts.
def trivial_row(x, y, _k):
    return x * y + math.sin(x)


def busy_row(x, _y, iterations):
    s = x
    for i in range(iterations):
        s += math.sqrt(i + s) * 1e-6
    return s


def skewed_row(units, x, unit_iterations):
    return busy_row(x, 0.0, int(units) * unit_iterations)


ROW_FUNCTIONS = {"trivial": trivial_row, "busy": busy_row, "skewed": skewed_row}


def do_build(k):
    return [k]


def do_execute(params, name, k):
    f = ROW_FUNCTIONS[name]
    return np.array([f(a, b, k) for a, b in params.tolist()], dtype=np.float64)


def build_and_execute(build_kwargs, name, params):
    built = do_build(**build_kwargs)
    return do_execute(params, name, *built)


def sweep(executor, name, k, params, workers=WORKERS):
    chunks = np.array_split(params, workers)
    futures = [executor.submit(build_and_execute, {"k": k}, name, c) for c in chunks]
    return [f.result() for f in futures]


def xy_rows(rows):
    rng = np.random.default_rng(12345)
    return rng.random((rows, 2))


def skewed_rows(rows, share=0.1, units=100):
    m = xy_rows(rows)
    m[:, 0] = 1.0
    m[: round(rows * share), 0] = units
    return m


def calibrate(target_ms):
    n = 1000
    for _ in range(4):
        t0 = time.perf_counter()
        busy_row(0.5, 0.0, n)
        ms = (time.perf_counter() - t0) * 1000
        n = max(1, round(n * target_ms / ms)) if ms > 0.05 else n * 10
    for _ in range(2):
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            for j in range(20):
                busy_row(0.5 + j, 0.0, n)
            times.append((time.perf_counter() - t0) * 50)
        n = max(1, round(n * target_ms / statistics.median(times)))
    return n


# Other processes on this machine skew every number. Each timed run is checked against
# /proc/stat (Linux): a run during which other processes used the CPU is thrown away and redone
# once the machine is quiet, and each section reports how many runs that took.
EXECUTORS = []
STATS = {"redone": 0, "foreign": 0, "total": 0}


def _proc_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime


def cpu_sample():
    try:
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:9]]
        own = _proc_ticks("self")
        for ex in EXECUTORS:
            for pid in list((ex._processes or {}).keys()):
                try:
                    own += _proc_ticks(pid)
                except OSError:
                    pass
        return sum(cpu), sum(cpu) - cpu[3] - cpu[4], own
    except OSError:
        return None


def foreign(a, b):
    if a is None or b is None:
        return 0, 0
    return max(0, (b[1] - a[1]) - (b[2] - a[2])), b[0] - a[0]


def disturbed(ticks):
    # Ticks are 10 ms: a couple of foreign ticks is noise, more than 5% of the machine is not.
    return ticks[0] > max(2, 0.05 * ticks[1])


def wait_for_quiet(max_seconds=300):
    quiet, end = 0, time.monotonic() + max_seconds
    while quiet < 3 and time.monotonic() < end:
        a = cpu_sample()
        if a is None:
            return
        time.sleep(0.5)
        f, total = foreign(a, cpu_sample())
        quiet = quiet + 1 if f <= 0.05 * total else 0


def measure(once, runs, warmup):
    """What `runs` calls of `once` return, after `warmup` calls; disturbed runs are redone."""
    for _ in range(warmup):
        once()
    out, redo = [], 0
    while len(out) < runs:
        a = cpu_sample()
        result = once()
        ticks = foreign(a, cpu_sample())
        if disturbed(ticks) and redo < 5 * runs:
            redo += 1
            STATS["redone"] += 1
            wait_for_quiet()
            continue
        STATS["foreign"] += ticks[0]
        STATS["total"] += ticks[1]
        out.append(result)
    return out


def timed(f, runs, warmup):
    """Median ms of `runs` calls of `f` after `warmup` calls."""

    def once():
        t0 = time.perf_counter()
        f()
        return (time.perf_counter() - t0) * 1000

    return statistics.median(measure(once, runs, warmup))


def section(run):
    wait_for_quiet()
    STATS.update(redone=0, foreign=0, total=0)
    run()
    if STATS["total"]:
        print(
            f"  other processes: {100 * STATS['foreign'] / STATS['total']:.1f}% of the CPU during "
            f"the timed runs kept; {STATS['redone']} disturbed runs redone"
        )


def table(head, rows):
    cells = [head] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[c]) for r in cells) for c in range(len(head))]
    for r in cells:
        cols = (v.ljust(widths[c]) if c == 0 else v.rjust(widths[c]) for c, v in enumerate(r))
        print("  " + "  ".join(cols))


def first_result_ms():
    params = xy_rows(10)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=WORKERS) as ex:
        chunks = np.array_split(params, WORKERS)
        futures = [ex.submit(build_and_execute, {"k": 0}, "trivial", c) for c in chunks]
        futures[0].result()
        ms = (time.perf_counter() - t0) * 1000
        for f in futures:
            f.result()
    return ms


def startup():
    in_process = measure(first_result_ms, 5, 1)

    def whole_run():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--sweep10"], check=True)
        return (time.perf_counter() - t0) * 1000

    whole = measure(whole_run, 5, 1)
    print("\n(d) startup, 2 workers, 10 trivial rows")
    table(
        ["case", "ms"],
        [
            [
                "new executor → first result, in this process (median of 5 after 1)",
                f"{statistics.median(in_process):.1f}",
            ],
            [
                "whole `python3` run of a 10-row sweep, spawn to exit (median of 5)",
                f"{statistics.median(whole):.1f}",
            ],
        ],
    )


def trivial(ex2):
    rows = 1_000_000
    m = xy_rows(rows)
    serial = timed(lambda: do_execute(m, "trivial", 0), 5, 1)
    vectorized = timed(lambda: m[:, 0] * m[:, 1] + np.sin(m[:, 0]), 9, 2)
    pooled = timed(lambda: sweep(ex2, "trivial", 0, m), 5, 1)
    print(f"\n(a) trivial rows: {rows:,} rows [x, y] → x*y + sin(x)")
    rate = lambda ms: f"{rows / ms / 1000:.2f} M/s"  # noqa: E731
    table(
        ["case", "ms", "rows/s", "vs serial"],
        [
            ["serial per-row loop (do_execute)", f"{serial:.1f}", rate(serial), "1.00"],
            ["2 workers, 2 futures (array_split)", f"{pooled:.1f}", rate(pooled),
             f"{serial / pooled:.2f}"],
            ["(numpy vectorized, no per-row function)", f"{vectorized:.1f}", rate(vectorized),
             f"{serial / vectorized:.2f}"],
        ],
    )


def busy(ex1, ex2, iterations):
    rows = 2000
    m = xy_rows(rows)
    serial = timed(lambda: do_execute(m, "busy", iterations), 3, 1)
    t1 = timed(lambda: sweep(ex1, "busy", iterations, m, 1), 3, 1)
    t2 = timed(lambda: sweep(ex2, "busy", iterations, m), 3, 1)
    print(f"\n(b) ≈ 1 ms rows: {rows} rows, busy loop of {iterations} iterations")
    table(
        ["case", "serial ms/row", "T1 ms", "T2 ms", "T1/(2 T2)", "serial/(2 T2)"],
        [["array_split", f"{serial / rows:.3f}", f"{t1:.1f}", f"{t2:.1f}",
          f"{t1 / (2 * t2):.3f}", f"{serial / (2 * t2):.3f}"]],
    )


def skewed(ex2, unit_iterations):
    rows = 1000
    m = skewed_rows(rows)
    units = int(m[:, 0].sum())
    serial = timed(lambda: do_execute(m, "skewed", unit_iterations), 3, 1)
    ideal = serial / 2
    static = timed(lambda: sweep(ex2, "skewed", unit_iterations, m), 3, 1)
    print(
        f"\n(c) skewed rows: {rows} rows, first 10% cost 100 units, the rest 1 unit "
        f"({units} units; unit = {unit_iterations} iterations ≈ 0.1 ms)"
    )
    table(
        ["case", "ms", "vs ideal"],
        [
            ["serial per-row loop", f"{serial:.1f}", "-"],
            ["ideal on 2 workers (serial / 2)", f"{ideal:.1f}", "1.00"],
            ["2 workers, 2 futures (array_split)", f"{static:.1f}", f"{static / ideal:.3f}"],
        ],
    )


def main():
    t_start = time.perf_counter()
    print(
        f"Python baseline: Python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"ProcessPoolExecutor({WORKERS}), contiguous chunks (numpy.array_split)"
    )
    wait_for_quiet()
    iterations = calibrate(1.0)
    unit_iterations = round(iterations / 10)
    section(startup)
    # Warm executors, started once (like the warm Deno pool).
    with ProcessPoolExecutor(max_workers=WORKERS) as ex2, ProcessPoolExecutor(max_workers=1) as ex1:
        EXECUTORS.extend([ex1, ex2])
        section(lambda: trivial(ex2))
        section(lambda: busy(ex1, ex2, iterations))
        section(lambda: skewed(ex2, unit_iterations))
    print(f"\ntotal {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    if "--sweep10" in sys.argv:
        first_result_ms()
    else:
        main()
