#!/usr/bin/env bash
# Every test, from a clean checkout: installs what the tests need (system packages as root, npm ci),
# builds the library and the server exactly as the image does, then runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for bin in ffmpeg ffprobe chromium bwrap nginx rtmpdump openssl; do command -v "$bin" >/dev/null 2>&1 || need+=("$bin"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages for: ${need[*]}"
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ffmpeg chromium bubblewrap nginx-light rtmpdump openssl" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ffmpeg chromium bubblewrap nginx-light rtmpdump openssl fonts-dejavu-core >/dev/null
fi

npm ci --no-audit --no-fund
npm run build
npx jest --ci "$@"
