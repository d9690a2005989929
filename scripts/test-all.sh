#!/usr/bin/env bash
# Every test, from a clean checkout: installs what the tests need (system packages as root, npm ci),
# builds the library and the server exactly as the image does, then runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# Each line: a command the tests run, and the Debian package that provides it. Add a line per new tool.
tools=(
  "ffmpeg ffmpeg" "ffprobe ffmpeg" "chromium chromium" "bwrap bubblewrap" "nginx nginx-light" "rtmpdump rtmpdump"
  "openssl openssl" "promtool prometheus" "prometheus prometheus"
)
for t in "${tools[@]}"; do read -r cmd pkg <<<"$t"; command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg"); done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${need[@]}" fonts-dejavu-core | sort -u)
  echo "installing system packages: ${pkgs[*]}"
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${pkgs[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
npm run build
# Types of the tests, benches and scripts too (jest and ts-node only transpile them).
npx tsc --noEmit -p tsconfig.test.json
npx jest --ci "$@"
