#!/bin/sh
# `claude` for the trees benchmark: runs tree-claude.ts with the `node` first on the PATH the
# worker gives its agents (the benchmark puts Node 24 there; agents' environments are allow-lists).
exec node "$(dirname "$0")/tree-claude.ts" "$@"
