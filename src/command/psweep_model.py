"""psweep_model: serve a Python model to psweep over stdin and stdout.

A model is three functions and one call (standard library only, Python 3.8+)::

    import psweep_model

    def build(options):              # once per worker, and again after a failed point
        return {"k": options.get("k", 1.0)}

    def evaluate(model, point):      # point: {"x": 0.5, ...}; returns named numbers
        return {"y": model["k"] * point["x"]}

    psweep_model.serve(build, evaluate)   # optional: probe=..., initialize=...

and a sweep names the command: ``model: { command: [python3, ./model.py] }``.

What serve() does for you:
- stdout belongs to psweep: print() and anything the model (or a solver written in C) writes to
  file descriptor 1 goes to stderr instead, and stdin is /dev/null to the model;
- an exception fails its point only, with its type, message and traceback;
- Ctrl-C is psweep's to handle (SIGINT is ignored here);
- it exits when psweep closes its stdin, and within about a second when psweep's process dies.

The protocol (version 1) is described in psweep's README, section "Models in Python (or anything
else)"; this file is one implementation of it.
"""

import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping

PROTOCOL = 1

__all__ = ["serve", "PROTOCOL"]


def serve(build, evaluate, probe=None, initialize=None):
    """Answers psweep's requests until psweep closes stdin; never returns normally.

    build(options) -> model: options is the sweep's buildOptions (a dict).
    evaluate(model, point) -> dict of output name -> number (float, int, bool, numpy scalar).
    probe(model, point) -> bool: False records the point as failed without evaluating it.
    initialize(model, point): called after each build, before the next point is evaluated.
    """
    if not callable(build) or not callable(evaluate):
        raise TypeError("psweep_model.serve needs build and evaluate functions")
    # Keep the protocol's own copies of stdin and stdout, then point the model's at
    # /dev/null and stderr: a stray print (or a solver's output) can never corrupt a reply.
    sys.stdout.flush()
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)
    # Ctrl-C in a terminal reaches every process of its group: psweep decides what an
    # interrupt does (it finishes or abandons the points in flight, then closes stdin).
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        pass  # serve() called from another thread than the main one: signals stay as they are
    _watch_parent()

    offered = [name for name, f in (("probe", probe), ("initialize", initialize)) if f]
    replies.write(("psweep-model %d %s" % (PROTOCOL, " ".join(offered))).rstrip().encode() + b"\n")
    replies.flush()
    names = []
    model = None
    encoded = {}
    while True:
        line = requests.readline()
        if not line:
            # psweep closed stdin: the sweep is over.
            sys.stderr.flush()
            os._exit(0)
        verb, _, rest = line.rstrip(b"\r\n").partition(b" ")
        try:
            if verb == b"evaluate":
                out = evaluate(model, _point(names, rest))
                reply = b"ok" + _outputs(out, encoded) + b"\n"
            elif verb == b"probe":
                reply = b"ok 1\n" if probe(model, _point(names, rest)) else b"ok 0\n"
            elif verb == b"initialize":
                initialize(model, _point(names, rest))
                reply = b"ok\n"
            elif verb == b"build":
                request = json.loads(rest)
                names = list(request["params"])
                model = build(request["options"])
                reply = b"ok\n"
            else:
                raise ValueError("unknown request %r" % verb.decode(errors="replace"))
        except Exception as e:  # an exception fails its request only (sys.exit ends the process)
            reply = _error(e)
        sys.stdout.flush()
        replies.write(reply)
        replies.flush()


def _point(names, rest):
    values = rest.split()
    if len(values) != len(names):
        raise ValueError("a point has %d values for %d parameters" % (len(values), len(names)))
    return dict(zip(names, map(float, values)))


def _outputs(out, encoded):
    if not isinstance(out, Mapping):
        raise TypeError("evaluate must return a dict of numbers: it returned %r" % (out,))
    parts = []
    for name, value in out.items():
        key = encoded.get(name)
        if key is None:
            if not isinstance(name, str):
                raise TypeError("output names must be strings: %r is not" % (name,))
            key = encoded[name] = b" " + json.dumps(name).encode()
        # float() would also read text ("1.5", " 7 ", "nan"): a string is not a number, as for
        # module models, whose named outputs fail on one.
        if isinstance(value, (str, bytes, bytearray)):
            raise TypeError("output %r is %r, a string, not a number" % (name, value))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError("output %r is %r, not a number" % (name, value)) from None
        # repr is the shortest text that reads back as the same float64 (nan, inf, -0.0 too).
        parts.append(key + b" " + repr(number).encode())
    return b"".join(parts)


def _error(e):
    tb = e.__traceback__
    # The first frame is serve's own call of the model: the traceback starts in the model.
    if tb is not None and tb.tb_frame.f_code is serve.__code__ and tb.tb_next is not None:
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(e), e, tb))
    # The last line repeats "Type: message"; the rest is the traceback.
    trace = text.rstrip("\n").rsplit("\n", 1)[0] if "\n" in text.rstrip("\n") else ""
    return ("error %s %s %s\n" % (
        json.dumps(str(e)), json.dumps(type(e).__name__), json.dumps(trace)
    )).encode()


def _watch_parent():
    # A point in a long computation never reads stdin: watch psweep's process instead, so that
    # a model never outlives the sweep that started it.
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="psweep-parent-watch", daemon=True).start()
