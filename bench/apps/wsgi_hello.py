"""The bench app for Gunicorn: the same three paths as dev.jgunicorn.bench.BenchApp."""
import json

HELLO = b"Hello, World!"


def _big():
    b = bytearray(b"x" * (64 * 1024))
    for i in range(63, len(b), 64):
        b[i] = 0x0A
    return bytes(b)


BIG = _big()


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/json":
        body = json.dumps({"message": "Hello, World!"}, separators=(",", ":")).encode()
        ctype = "application/json"
    elif path == "/big":
        body, ctype = BIG, "text/plain"
    else:
        body, ctype = HELLO, "text/plain"
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]
