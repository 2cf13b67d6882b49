import os
from multiprocessing import cpu_count

_port = os.getenv("PORT", "8000")
bind = [f"0.0.0.0:{_port}", "unix:/run/gunicorn.sock"]
workers = int(os.environ.get("WEB_CONCURRENCY", cpu_count() * 2 + 1))
max_requests = 1000
max_requests_jitter = max_requests // 20
graceful_timeout = 30 if os.getenv("ENV") == "prod" else 5
forwarded_allow_ips = "*"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https", 'X-FORWARDED-SSL': 'on'}
wsgi_app = "mysite.wsgi:application"
reload = os.environ.get("DEBUG", "0").lower() in ("1", "true", "yes")
logconfig_dict = {"version": 1, "root": {"level": "INFO", "handlers": []}}
statsd_host = "%s:%d" % ("localhost", 8125)
proc_name = "web-{}".format(_port)
limit_request_fields = 10_0
limit_request_field_size = 0x1ffe
keepalive, timeout = 5, 120
