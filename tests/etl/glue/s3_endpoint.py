"""A local S3 API for tests: moto's server on loopback, plus a hold point to stop a writer mid-run.

Usage: python s3_endpoint.py   (prints {"port": N} on stdout once it listens on 127.0.0.1:N; stops
on SIGTERM or SIGINT).

Hold point, for a test that must kill a job at an exact moment of its writes: the test arms it
with POST /__hold {"pattern": <regex on "bucket/key">, "methods": ["PUT", ...]}. From then on,
every request of those methods whose "bucket/key" matches is held, unanswered and not applied,
and GET /__hold answers {"armed": true, "held": "<first held bucket/key>"}. The test then kills
the job, which dies inside that request as a crashed driver would, and DELETE /__hold disarms
and answers the held requests 503. Every other request goes to moto unchanged.
"""
import json
import re
import signal
import sys
import threading
from urllib.parse import unquote

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

CONTROL_PATH = "/__hold"


class QuietRequestHandler(MotoRequestHandler):
    """No access log line per request: a Spark run makes thousands."""

    def log_request(self, *_args, **_kwargs):
        pass


class HoldPoint:
    def __init__(self):
        self.lock = threading.Lock()
        self.pattern = None
        self.methods = ()
        self.held = None
        self.release = threading.Event()

    def arm(self, pattern, methods):
        with self.lock:
            self.pattern = re.compile(pattern)
            self.methods = tuple(m.upper() for m in methods)
            self.held = None
            self.release = threading.Event()

    def disarm(self):
        with self.lock:
            self.pattern = None
            self.release.set()

    def status(self):
        with self.lock:
            return {"armed": self.pattern is not None, "held": self.held}

    def should_hold(self, method, bucket_key):
        with self.lock:
            if self.pattern is None or method not in self.methods or not self.pattern.search(bucket_key):
                return None
            if self.held is None:
                self.held = bucket_key
            return self.release


def _answer(start_response, status, body):
    data = json.dumps(body).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(moto_app, hold):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == CONTROL_PATH:
            if method == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                spec = json.loads(environ["wsgi.input"].read(size) or b"{}")
                hold.arm(spec["pattern"], spec.get("methods", ["PUT", "POST"]))
            elif method == "DELETE":
                hold.disarm()
            return _answer(start_response, "200 OK", hold.status())
        release = hold.should_hold(method, unquote(path.lstrip("/")))
        if release is not None:
            release.wait()
            return _answer(start_response, "503 Service Unavailable", {"error": "held request released unanswered"})
        return moto_app(environ, start_response)

    return app


def main():
    hold = HoldPoint()
    moto_app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, application(moto_app, hold), threaded=True, request_handler=QuietRequestHandler)

    def stop(_signum, _frame):
        hold.disarm()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"port": server.server_port}), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
