#!/usr/bin/env bash
# HTTP load benchmark against gunicorn on 127.0.0.1 (see bench/http_load.py for the profile).
#   bench/http_load.sh                 # 10 s per scenario, 30 s soak at 256 connections
#   DURATION=5 SOAK_SECONDS=10 bench/http_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-services
scripts/ensure-system-packages wrk
exec .venv/bin/python bench/http_load.py
