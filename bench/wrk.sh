#!/usr/bin/env bash
# Measure every scenario of a scenario file with wrk alone (no reference servers).
#   bench/wrk.sh SCENARIOS.json     DURATION (default 12), CONNECTIONS (4), THREADS (2)
set -euo pipefail
file=${1:?usage: $0 SCENARIOS.json}
DURATION=${DURATION:-12} CONNECTIONS=${CONNECTIONS:-4} THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
python3 - "$file" <<'PY' | while IFS=$'\t' read -r name url cookie agent; do
import json, sys
for s in json.load(open(sys.argv[1])):
    h = s.get("headers") or {}
    print(s["name"], s["url"], h.get("Cookie", ""), h.get("User-Agent", ""), sep="\t")
PY
  echo "== $name $url"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" ${cookie:+-H "Cookie: $cookie"} ${agent:+-H "User-Agent: $agent"} "$url" | grep -E "Requests/sec|Latency|Non-2xx"
  sleep 1
done
