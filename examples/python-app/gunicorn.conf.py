# The team's own Gunicorn config, kept in the image. With spec.configFile the operator loads it first, so the hooks
# here keep working; the GunicornServer's fields (workers, bind, timeouts...) then override what it sets.
import logging


def post_fork(server, worker):
    logging.getLogger("gunicorn.error").info("worker %s forked", worker.pid)
