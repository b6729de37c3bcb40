#!/usr/bin/env bash
# Wall time of `neuralrank reproduce` from nothing: a fresh cache (so JPEG decoding counts) and an empty zoo.
#   bash benchmarks/reproduce.sh [profile] [device]
set -euo pipefail
profile=${1:-quick}; device=${2:-auto}
work=$(mktemp -d)
export NEURALRANK_CACHE="$work/cache" NEURALRANK_DATA=${NEURALRANK_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
start=$(date +%s)
status=0
neuralrank reproduce --profile "$profile" --device "$device" --out "$work/out" || status=$?
end=$(date +%s)
echo "reproduce --profile $profile on $device: $((end-start)) s wall, exit status $status; index: $work/out/index.md"
exit $status
