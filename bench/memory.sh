#!/usr/bin/env bash
# Prints the measured peak memory of a short training run (2 steps, SFT, batch 1, max_length 512) for each
# mechanism and precision, on a random Llama of 56.8M parameters (hidden 768, 8 layers, MLP 2048, 12 heads).
# Each run is its own process, so the CPU figure (VmHWM, peak resident set) covers that run alone; it includes
# the .NET runtime and libtorch. Set GRADIENT_CHECKPOINTING=true to turn on per-layer checkpointing, and
# DEVICE=cuda on a GPU build. MALLOC_MMAP_THRESHOLD_=131072 makes glibc return freed large blocks to the system,
# so VmHWM tracks live tensors rather than memory the allocator keeps (docs/memory.md shows both). Needs the stories260k tokenizer and the GSM8K sample (paths below, overridable).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tokenizer_dir=${TOKENIZER_DIR:-$root/../shared/models/stories260k}
data=${DATA:-$root/../shared/data/gsm8k_sft.dev.jsonl}
device=${DEVICE:-cpu}
checkpointing=${GRADIENT_CHECKPOINTING:-false}
mechanisms=${MECHANISMS:-full lora qlora loreft}
precisions=${PRECISIONS:-fp32 bf16}

dotnet build -v q -c Release "$root/src/SharpTune.Cli" >/dev/null
cli="$root/src/SharpTune.Cli/bin/Release/net10.0/SharpTune.Cli.dll"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/model"
cp "$tokenizer_dir/tokenizer.json" "$tokenizer_dir/tokenizer_config.json" "$work/model/"
cat > "$work/model/config.json" <<'JSON'
{
  "architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 768, "intermediate_size": 2048, "num_hidden_layers": 8,
  "num_attention_heads": 12, "num_key_value_heads": 12, "head_dim": 64,
  "hidden_act": "silu", "vocab_size": 512, "max_position_embeddings": 1024,
  "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false,
  "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"
}
JSON

printf '%-8s %-6s %14s %12s %10s\n' mechanism dtype peak_memory_mb trainable seconds
for precision in $precisions; do
  for mechanism in $mechanisms; do
    out="$work/out-$mechanism-$precision"
    cat > "$work/recipe.yaml" <<YAML
model: $work/model
from_scratch: true
objective: sft
mechanism: $mechanism
precision: $precision
device: $device
output_dir: $out
data:
  train: $data
  max_length: 512
lora:
  r: 8
  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
training:
  max_steps: 2
  batch_size: 1
  gradient_checkpointing: $checkpointing
YAML
    dotnet "$cli" train "$work/recipe.yaml" >"$work/log-$mechanism-$precision.txt" 2>&1
    python3 - "$out/summary.json" "$mechanism" "$precision" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<8} {sys.argv[3]:<6} {s['peak_memory_mb']:>14} {s['trainable_parameters']:>12} {s['seconds']:>10}")
PY
  done
done
