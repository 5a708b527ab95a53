"""Hotpath's companion to a locustfile: passed to Locust beside it (`-f user.py,hotpathLocust.py`).

It adds no users. It listens to Locust's events and sends Hotpath, over the loopback TCP port
named by the HOTPATH_LOCUST_CHANNEL environment variable (host:port), one JSON object a line:

- {"type": "hello", "role": "local"|"master", "version": ..., "pid": ...}
- {"type": "slots", "node": ..., "upTo": ms, "slots": {slot: {name: tally}}}: every request
  that ended, counted exactly in 100 ms slots of the wall clock (slot = epoch ms // 100) per
  request name. A tally: n (requests), f (failures), s (latency sum, ms), b ({latency bucket:
  count}, Hotpath's buckets: 0.1 ms wide below 100 ms, 1 ms to 10 s), c ({status: count}; 0 is
  a connection error), by (response bytes), q (latency square sum), mn and x (min and max, ms),
  m (the method). `upTo`: every request of that node that ended
  before it is in this message or an earlier one.
- {"type": "spawned", "users": n}: every user is running (and, on a master, every worker says so).
- {"type": "workers", "workers": [{"id": ..., "state": ...}]}: a master's workers, on each change
  (Locust 2.12 has no event for a worker joining: its runner's clients are polled; a lost one is
  "missing").

A worker cannot reach Hotpath (it may be on another machine): it sends its slots to its master
as a custom message every 0.5 s, and its last ones with its final report; the master forwards
them. Locust's own figures (its 3 s reports, its trailing 10 s averages of rounded times) are
not used.
"""

import json
import os
import socket
import time

import gevent
import locust.runners
from locust import events
from locust.runners import MasterRunner, WorkerRunner

# Debian's build of Locust 2.12 says its version is '' (its _version.py is generated empty), and a
# master refuses a worker whose hello carries an empty version as "pre 2.0": no worker could ever
# join. The master and every worker load this module before their runner starts, so each says
# the same non-empty version instead. A Locust that knows its version is left alone.
if not locust.runners.__version__:
    locust.runners.__version__ = "0.0.0+unknown"

SLOT_MS = 100
LAST_BUCKET = 1000 + 9900
MESSAGE = "hotpath_slots"

_state = {"runner": None, "socket": None, "pending": {}, "spawned": False, "workers": None}


def _bucket(ms):
    """Hotpath's latency bucket of a time in ms (src/runner/load/protocol.ts, latencyBucket)."""
    if ms < 100:
        return int(ms * 10) if ms > 0 else 0
    if ms < 10000:
        return 1000 + int(ms - 100)
    return LAST_BUCKET


def _now_ms():
    return time.time() * 1000.0


def _send(message):
    sock = _state["socket"]
    if sock is None:
        return
    try:
        sock.sendall((json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8"))
    except OSError:
        _state["socket"] = None


def _drain():
    pending = _state["pending"]
    _state["pending"] = {}
    return {"upTo": _now_ms(), "slots": pending}


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response=None, exception=None, **_kw):
    slot = str(int(_now_ms() // SLOT_MS))
    names = _state["pending"].setdefault(slot, {})
    tally = names.get(name)
    if tally is None:
        tally = names[name] = {"n": 0, "f": 0, "s": 0.0, "q": 0.0, "mn": None, "x": 0.0, "b": {}, "c": {}, "by": 0, "m": request_type}
    ms = float(response_time or 0)
    tally["n"] += 1
    tally["q"] += ms * ms
    tally["mn"] = ms if tally["mn"] is None else min(tally["mn"], ms)
    tally["x"] = max(tally["x"], ms)
    if exception is not None:
        tally["f"] += 1
    tally["s"] += ms
    b = str(_bucket(ms))
    tally["b"][b] = tally["b"].get(b, 0) + 1
    status = getattr(response, "status_code", None)
    status = str(int(status)) if isinstance(status, int) else ("0" if exception is not None else "200")
    tally["c"][status] = tally["c"].get(status, 0) + 1
    tally["by"] += int(response_length or 0)


def _forward(node, drained):
    if drained["slots"] or drained["upTo"]:
        _send({"type": "slots", "node": node, "upTo": drained["upTo"], "slots": drained["slots"]})


def _spawned(users):
    if not _state["spawned"]:
        _state["spawned"] = True
        _send({"type": "spawned", "users": users})


def _workers_loop(runner):
    """A master's workers: sent on every change; 'spawned' once all of them run their users."""
    while True:
        clients = list(runner.clients.values())
        workers = sorted(({"id": c.id, "state": c.state} for c in clients), key=lambda w: w["id"])
        if workers != _state["workers"]:
            _state["workers"] = workers
            _send({"type": "workers", "workers": workers})
        live = [c for c in clients if c.state != "missing"]
        target = getattr(runner, "target_user_count", None)
        if (
            live
            and target
            and all(c.state == "running" for c in live)
            and sum(sum((c.user_classes_count or {}).values()) for c in live) >= target
        ):
            _spawned(target)
        gevent.sleep(0.25)


def _local_loop():
    while True:
        gevent.sleep(0.2)
        _forward("local", _drain())


def _worker_loop(runner):
    while True:
        gevent.sleep(0.5)
        try:
            runner.send_message(MESSAGE, _drain())
        except Exception:  # noqa: BLE001 - a lost master: Locust itself reconnects or quits
            pass


@events.init.add_listener
def _on_init(environment, **_kw):
    runner = environment.runner
    _state["runner"] = runner
    if isinstance(runner, WorkerRunner):

        @events.report_to_master.add_listener
        def _with_report(client_id, data, **_kw2):
            data[MESSAGE] = _drain()

        gevent.spawn(_worker_loop, runner)
        return
    channel = os.environ.get("HOTPATH_LOCUST_CHANNEL")
    if not channel:
        return
    host, _, port = channel.rpartition(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _state["socket"] = sock
    role = "master" if isinstance(runner, MasterRunner) else "local"
    import locust

    _send({"type": "hello", "role": role, "version": getattr(locust, "__version__", ""), "pid": os.getpid()})
    if role == "master":

        def _from_worker(environment, msg, **_kw2):
            _forward(msg.node_id, msg.data)

        runner.register_message(MESSAGE, _from_worker)

        @events.worker_report.add_listener
        def _report(client_id, data, **_kw2):
            drained = data.pop(MESSAGE, None)
            if drained is not None:
                _forward(client_id, drained)

        gevent.spawn(_workers_loop, runner)
    else:
        gevent.spawn(_local_loop)


@events.spawning_complete.add_listener
def _on_spawning_complete(user_count, **_kw):
    if not isinstance(_state["runner"], WorkerRunner):
        _spawned(user_count)


@events.quitting.add_listener
def _on_quitting(environment, **_kw):
    if isinstance(_state["runner"], WorkerRunner):
        return
    if not isinstance(_state["runner"], MasterRunner):
        _forward("local", _drain())
    _send({"type": "bye"})
