#!/bin/sh
# Run one ServiceFlow process in the foreground, as PID 1, so it gets the container's signals:
#   web | worker | beat   the Procfile's line of that name (the Procfile is the one place they are written)
#   migrate               the release step: apply migrations, then exit
#   await-migrations      wait until the database has every migration of this image (an init container)
#   healthcheck           exit 0 when this container's web process answers /healthz
# Anything else runs as given (`docker compose run web python manage.py createsuperuser`).
set -eu

app_dir=$(cd "$(dirname "$0")/.." && pwd)

procfile_command() {
    sed -n "s/^$1:[[:space:]]*//p" "$app_dir/Procfile"
}

case "${1:-web}" in
    web | worker | beat)
        command=$(procfile_command "$1")
        if [ -z "$command" ]; then
            echo "No '$1' line in $app_dir/Procfile" >&2
            exit 64
        fi
        # Prefork children count into this folder and the worker's /metrics sums it; files left
        # by a previous run of the container would be added forever (gunicorn empties its own).
        if [ "$1" = worker ] && [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
            rm -rf "$PROMETHEUS_MULTIPROC_DIR"
            mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
        fi
        cd "$app_dir"
        # Through a shell, as a process manager runs a Procfile line: ${LOG_LEVEL:-INFO} expands.
        exec sh -c "exec $command"
        ;;
    migrate)
        cd "$app_dir"
        exec python manage.py migrate --noinput
        ;;
    await-migrations)
        cd "$app_dir"
        until python manage.py migrate --check >/dev/null; do
            echo "Waiting for the migrations of this release to be applied" >&2
            sleep 5
        done
        ;;
    healthcheck)
        # `localhost` must be in DJANGO_ALLOWED_HOSTS: Django refuses any other Host it was not told of.
        exec python -c 'import os, urllib.request
request = urllib.request.Request(
    "http://127.0.0.1:%s/healthz" % os.environ.get("PORT", "8000"), headers={"Host": "localhost"}
)
urllib.request.urlopen(request, timeout=4)'
        ;;
    *)
        exec "$@"
        ;;
esac
