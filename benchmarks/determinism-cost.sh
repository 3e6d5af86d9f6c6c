#!/usr/bin/env bash
# What pinning oneDNN to AVX2 (the remedy the determinism probe picks where the native instruction
# sets are not bit-identical across processes) costs in training speed, against the native setting in
# the same run: ResNet-18 width 16 on CIFAR-10, batch 128, 100 steps, 2 threads, runs interleaved
# A/B for ROUNDS rounds (default 2). Prints img/s per run and the ratio, with the machine.
# Usage: REPLICA_DATA=../shared/data benchmarks/determinism-cost.sh [ROUNDS] [ENGINE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-2}"
engine="${2:-pytorch}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/bench.yaml" <<YAML
replica: 1
name: determinism-cost
seed: 0
engine: {plugin: $engine, threads: 2, device: cpu, determinism: relaxed}
dataset: {plugin: cifar10, params: {validation: test, limit: 12800, test_limit: 128}}
models:
  resnet18: {plugin: resnet, params: {depth: 18, width: 16}}
optimizer: {plugin: sgd, params: {lr: 0.1, momentum: 0.9, weight_decay: 5.0e-4}}
schedule: {plugin: constant}
training: {epochs: 1, batch_size: 128}
YAML
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(lscpu | grep -o 'avx512[a-z_0-9]*' | sort -u | tr '\n' ' ')"
echo "Engine: $engine, ResNet-18 width 16, batch 128, 100 steps, 2 threads"
declare -A total
for r in $(seq 1 "$rounds"); do
  for isa in native avx2; do
    out="$("$here/replica" run "$work/bench.yaml" --set engine.isa=$isa --out "$work/runs" 2>/dev/null | sed -n 's/^Wrote //p')"
    ips="$(tail -n 1 "$out/resnet18/timing.csv" | awk -F, '{print $3}')"
    echo "round $r  isa $isa  train img/s $ips"
    total[$isa]="$(awk -v a="${total[$isa]:-0}" -v b="$ips" 'BEGIN{print a+b}')"
  done
done
awk -v n="${total[native]}" -v a="${total[avx2]}" -v r="$rounds" 'BEGIN{
  printf "mean: native %.1f img/s, avx2 %.1f img/s, avx2/native %.2f\n", n/r, a/r, a/n }'
