"""Render deploy/nginx.conf.template into a complete nginx configuration (printed, or written with --out).

    python deploy/render_nginx.py --listen 80 --upstream 127.0.0.1:8001 \
        --static-root /srv/fleet/staticfiles --prefix /var/lib/fleet-nginx --out /etc/nginx/fleet.conf

--max-body defaults to UPLOAD_MAX_BYTES (the environment, as fleet/settings.py reads it; 100 MiB) plus 1 MiB
for the multipart envelope. --foreground adds `daemon off;` (tests, or a supervisor that wants it).
Only the standard library: it runs before the project is installed.
"""

import argparse
import os
import string
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_UPLOAD_MAX_BYTES = 100 * 1024 * 1024
GUNICORN_TIMEOUT = 120


def render(
    *,
    listen,
    upstream,
    static_root,
    prefix,
    max_body=None,
    foreground=False,
    access_log=None,
    error_log=None,
    tls_cert=None,
    tls_key=None,
    mime_types="/etc/nginx/mime.types",
    upstream_timeout=None,
):
    if max_body is None:
        upload_max = int(os.environ.get("UPLOAD_MAX_BYTES") or DEFAULT_UPLOAD_MAX_BYTES)
        max_body = upload_max + 1024 * 1024
    if upstream_timeout is None:
        upstream_timeout = int(os.environ.get("GUNICORN_TIMEOUT") or GUNICORN_TIMEOUT) + 10
    tls = ""
    if tls_cert:
        tls = f"        ssl_certificate {tls_cert};\n        ssl_certificate_key {tls_key};\n"
    prefix = str(Path(prefix).resolve())
    values = {
        "LISTEN": str(listen),
        "LISTEN_SSL": " ssl" if tls_cert else "",
        "TLS": tls,
        "UPSTREAM": upstream,
        "UPSTREAM_TIMEOUT": f"{upstream_timeout}s",
        "STATIC_ROOT": str(Path(static_root).resolve()),
        "PREFIX": prefix,
        "MAX_BODY": str(max_body),
        "DAEMON": "daemon off;" if foreground else "",
        "ACCESS_LOG": access_log or f"{prefix}/access.log",
        "ERROR_LOG": error_log or f"{prefix}/error.log",
        "MIME_TYPES": mime_types,
    }
    # safe_substitute: nginx's own $variables ($host, $scheme …) are left as they are.
    text = string.Template(TEMPLATE.read_text()).safe_substitute(values)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        Path(prefix, name).mkdir(parents=True, exist_ok=True)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="port, or address:port")
    parser.add_argument("--upstream", required=True, help="gunicorn's address:port (or unix:/path)")
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT after collectstatic")
    parser.add_argument("--prefix", required=True, help="directory for the pid file, logs and temporary files")
    parser.add_argument("--max-body", type=int, help="bytes (default UPLOAD_MAX_BYTES + 1 MiB)")
    parser.add_argument("--foreground", action="store_true", help="add `daemon off;`")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--out", help="write here instead of printing")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    text = render(
        listen=args.listen,
        upstream=args.upstream,
        static_root=args.static_root,
        prefix=args.prefix,
        max_body=args.max_body,
        foreground=args.foreground,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
