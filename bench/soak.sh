#!/bin/sh
# Raises the open-file limit (10,000 connections need more than the usual 1024), then runs the soak.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec node bench/dist/soak.js "$@"
