"""gunicorn settings for ``taizhang serve``: ``gunicorn -c python:taizhang.gunicorn_conf``.

Shipped in the package so an installed copy serves as a checkout does (taizhang.launch).

Environment (set by ``taizhang serve``): TAIZHANG_BIND, TAIZHANG_WORKERS, TAIZHANG_THREADS.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

# Every worker writes its metrics here, so a scrape of any worker sees all of them. Set
# before prometheus_client is imported, here or in a worker: it picks its store on import.
# Directories made here for this run alone, removed when it ends.
_made: list[str] = []
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="taizhang-metrics-")
    _made.append(os.environ["PROMETHEUS_MULTIPROC_DIR"])
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
os.makedirs(_metrics_dir, exist_ok=True)

from prometheus_client import multiprocess  # noqa: E402 - after the store is chosen

from taizhang.collector import tune_for_serving  # noqa: E402
from taizhang.config import Settings  # noqa: E402

# A Unix socket's path holds at most 107 bytes.
MAX_SOCKET_PATH = 100

bind = os.environ.get("TAIZHANG_BIND", "127.0.0.1:8000")
# Requests spend most of their time waiting on the database, so threads per worker let one
# worker's group commit gather concurrent posts into one transaction. One worker per core,
# not the customary 2 x cores + 1: with 8 threads each, more processes only contend for the
# cores (measured on 2 cores, 50 view readers: p99 27-30 ms with 2 workers, 33-40 with 3,
# 59-67 with 5; posts and batches no slower), and each holds its own database pools (ledger
# 5 + 10 overflow, views 8, tokens 4), which 5 workers could push past PostgreSQL's default
# of 100 connections.
workers = int(os.environ.get("TAIZHANG_WORKERS") or multiprocessing.cpu_count())
threads = int(os.environ.get("TAIZHANG_THREADS") or 8)
worker_class = "gthread"
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
# connections over them. On one shared socket, whichever worker woke first took a burst of
# keep-alive clients and kept them: 38 of 50 view readers on one worker and 12 on the other,
# whose median wait was then 27 ms instead of 17 (docs/BENCHMARKS.md). The price (ops/README.md):
# a worker that exits resets the connections still waiting in its own accept queue (clients
# retry; posts are safe to retry), and one that hangs holds its share of new connections
# until `timeout` replaces it. A Unix socket or an inherited descriptor cannot be split this
# way, so those keep one socket.
reuse_port = workers > 1 and not bind.startswith(("unix:", "fd://"))
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("TAIZHANG_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("TAIZHANG_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
wsgi_app = "taizhang.api.wsgi:app"

# gunicorn's control socket in this service's own data directory: its default
# ($XDG_RUNTIME_DIR or ~/.gunicorn) is one path shared by every instance on the host, so a
# second instance would take over the first one's. A data directory too deep for a socket's
# path gets a private directory of its own instead.
_control_dir = Settings.from_env().data_dir
if len(os.path.join(_control_dir, "gunicorn.ctl").encode()) > MAX_SOCKET_PATH:
    _control_dir = tempfile.mkdtemp(prefix="taizhang-ctl-")
    _made.append(_control_dir)
control_socket = os.path.join(_control_dir, "gunicorn.ctl")


def on_starting(server):  # type: ignore[no-untyped-def]
    # Counts from a previous run must not be added to this one's.
    for name in os.listdir(_metrics_dir):
        if name.endswith(".db"):
            os.unlink(os.path.join(_metrics_dir, name))


def when_ready(server):  # type: ignore[no-untyped-def]
    if reuse_port:
        # gunicorn's own "Listening at:" names only sockets the master holds: none here.
        server.log.info("Each worker listens at %s on a socket of its own (reuse_port)", bind)


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    tune_for_serving()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # type: ignore[no-untyped-def]
    for made in _made:
        shutil.rmtree(made, ignore_errors=True)
