# A Flask app as a team would have it; Gunicorn serves app:app.
import time

from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello from flask\n"


@app.route("/work")
def work():
    # A request that takes a while (?ms=, up to 10 s): what a rolling restart or a drain has to let finish.
    ms = min(max(request.args.get("ms", 100, type=int), 0), 10_000)
    time.sleep(ms / 1000)
    return f"worked {ms} ms\n"
