# A Flask app as a team would have it; Gunicorn serves app:app.
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello from flask\n"
