#!/usr/bin/env bash
# A plain install runs the whole journey: build the wheel, install it with no extras into a fresh
# virtualenv, and there generate → org import → import → analyse → export → serve, fetching a page
# and the front-end files over HTTP. Catches an import not declared in pyproject.toml (CI's own
# virtualenv has the dev extras, which pull in much) and a wheel without htmx, Leaflet or Cytoscape.
# Run from .ci/run after `make test` (which has copied the front-end files); about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=${PY:-$REPO/.venv/bin/python}
PYTHON=${PYTHON:-python3}  # the interpreter the fresh virtualenv is made with, as in the Makefile
PORT=${PORT:-$("$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
WORK=$(mktemp -d /tmp/crimelink-plain.XXXXXX)
SERVER=""
cleanup() {
  if [[ -n $SERVER ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '%6.1fs  %s\n' "$SECONDS" "$*"; }
export PIP_DISABLE_PIP_VERSION_CHECK=1
SECONDS=0

step "building the wheel"
"$PY" -m pip wheel . --no-deps -qq -w "$WORK/dist"
wheel=$(ls "$WORK"/dist/crimelink-*.whl)

step "installing $(basename "$wheel") with no extras into a fresh virtualenv"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -qq --no-compile "$wheel"  # each module compiled when first imported
for extra in weasyprint authlib pyspark; do  # the extras' packages: none may be there
  if "$WORK/venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$extra') is None)"; then
    echo "FAIL: $extra is installed without its extra" >&2; exit 1
  fi
done

cd "$WORK"  # away from the source tree: only the installed package is importable
cl="$WORK/venv/bin/crimelink"
db="sqlite:///$WORK/crimelink.sqlite"
crimelink() {  # crimelink ARGS...: quiet, its output shown only if it fails
  if [[ $1 == org ]]; then step "crimelink $1 $2"; else step "crimelink $1"; fi
  "$cl" "$@" >command.log 2>&1 || { cat command.log >&2; echo "FAIL: crimelink $*" >&2; exit 1; }
}
crimelink generate --incidents 500 --seed 7 --out scenario.jsonl
crimelink org import scenario.jsonl.truth/organisations.csv --db "$db"
crimelink import scenario.jsonl --db "$db" --rejects rejects.jsonl
crimelink analyse --db "$db"
crimelink export --dir export --db "$db"
test -s export/offenders.csv || { echo "FAIL: the export wrote no offenders.csv" >&2; exit 1; }

step "crimelink serve"
CRIMELINK_SECRET_KEY=$("$WORK/venv/bin/python" -c "import secrets; print(secrets.token_urlsafe(48))") \
  CRIMELINK_COOKIE_SECURE=0 "$cl" serve --db "$db" --port "$PORT" >serve.log 2>&1 &
SERVER=$!
for _ in $(seq 300); do  # up to a minute to start on a busy machine
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/login" && break
  kill -0 "$SERVER" 2>/dev/null || { cat serve.log >&2; echo "FAIL: serve stopped" >&2; exit 1; }
  sleep 0.2
done
fetch() {  # fetch PATH TEXT: 200, and TEXT in the body
  local size
  size=$(curl -fsS -o body -w '%{size_download}' "http://127.0.0.1:$PORT$1") \
    || { cat serve.log >&2; echo "FAIL: GET $1" >&2; exit 1; }
  grep -qF -- "$2" body || { echo "FAIL: GET $1 lacks $2" >&2; exit 1; }
  printf '          GET %s: %s bytes\n' "$1" "$size"
}
fetch /login "/static/vendor/htmx.min.js"
fetch /static/vendor/htmx.min.js "htmx"
fetch /static/vendor/leaflet/leaflet.js "Leaflet"
fetch /static/vendor/cytoscape.min.js "cytoscape"
fetch /static/vendor/chart.umd.min.js "Chart"
fetch /static/vendor/swagger-ui/swagger-ui-bundle.js "SwaggerUI"
step "plain install: journey and web app passed"
