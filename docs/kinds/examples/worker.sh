#!/bin/sh
# Start the project's Python from a shell script: `pitstop python` prints a path for local
# envs; for docker/conda-run/uv-run envs use `pitstop run -- python ...`, which works for all.
set -eu
exec pitstop run -- python -c 'import sys; print("worker says: prefix=" + sys.prefix)'
