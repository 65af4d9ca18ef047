#!/bin/sh
# Web containers migrate before serving (MIGRATE=1); workers and beat start straight away.
set -e
if [ "${MIGRATE:-0}" = "1" ]; then
  python manage.py migrate --noinput
  python manage.py load_reference_data
fi
exec "$@"
