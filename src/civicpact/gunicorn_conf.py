"""gunicorn's settings for CivicPact (`gunicorn -c python:civicpact.gunicorn_conf civicpact.wsgi`).

`civicpact serve` uses it; the systemd unit in docs/deployment.md does too, with `--bind` and `--workers` on its
command line (gunicorn's defaults: 127.0.0.1:8000, and WEB_CONCURRENCY or one worker).
"""

from __future__ import annotations

from civicpact.logs import gunicorn_logconfig

wsgi_app = "civicpact.wsgi:application"
# Long enough for the largest page (a business case's PDF) on a busy machine; the proxy's timeout must be longer.
timeout = 120
graceful_timeout = 30
# Recycle a worker now and then, so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Every message on stderr, in CIVICPACT_LOG_FORMAT (JSON lines in production).
errorlog = "-"
logconfig_dict = gunicorn_logconfig()
# X-Forwarded-* is trusted from the reverse proxy on this machine only (Django reads X-Forwarded-Proto itself,
# through SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "127.0.0.1,::1"
# No control socket for gunicornc: systemd signals the master (HUP reloads), and the socket would be written
# into $HOME, which the systemd unit keeps read-only.
control_socket_disable = True
