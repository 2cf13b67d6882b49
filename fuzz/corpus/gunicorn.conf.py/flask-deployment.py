# gunicorn.conf.py
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = multiprocessing.cpu_count() * 2 + 1
threads = 2
worker_class = "gthread"
worker_connections = 1000
daemon = False
pidfile = None
accesslog = "-"
errorlog = "-"
loglevel = "info"
timeout = int(os.getenv("TIMEOUT", "30"))
raw_env = ["APP_ENV=production", f"WORKERS={workers}"]
limit_request_line = 4094
