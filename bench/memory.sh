#!/usr/bin/env bash
# Prints the measured peak memory of a short training run (2 steps, SFT, batch 1, max_length 512) for each
# mechanism and precision, on a random Llama of 56.8M parameters (hidden 768, 8 layers, MLP 2048, 12 heads).
# Each run is its own process, so the CPU figure (VmHWM, peak resident set) covers that run alone; it includes
# the .NET runtime and libtorch. Set GRADIENT_CHECKPOINTING=true to turn on per-layer checkpointing, and
# DEVICE=cuda on a GPU build. MALLOC_MMAP_THRESHOLD_=131072 makes glibc return freed large blocks to the system,
# so VmHWM tracks live tensors rather than memory the allocator keeps (docs/memory.md shows both).
# A row is a mechanism, or mechanism:optimizer (full:adamw8bit is full fine-tuning with 8-bit AdamW state).
# Head mechanisms (linear_probe, mlp_head, projection_head) train objective classify on the poem sentiment sample.
# CLI points at a built SharpTune.Cli.dll to skip the build. Needs the stories260k tokenizer, the GSM8K sample and
# the poem sentiment sample (paths below, overridable).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tokenizer_dir=${TOKENIZER_DIR:-$root/../shared/models/stories260k}
data=${DATA:-$root/../shared/data/gsm8k_sft.dev.jsonl}
classify_data=${CLASSIFY_DATA:-$root/../shared/data/poem_sentiment.dev.jsonl}
device=${DEVICE:-cpu}
checkpointing=${GRADIENT_CHECKPOINTING:-false}
mechanisms=${MECHANISMS:-full full:adamw8bit lora qlora loreft linear_probe}
precisions=${PRECISIONS:-fp32 bf16}

cli=${CLI:-}
if [ -z "$cli" ]; then
  dotnet build -v q -c Release "$root/src/SharpTune.Cli" >/dev/null
  cli="$root/src/SharpTune.Cli/bin/Release/net10.0/SharpTune.Cli.dll"
fi

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

printf '%-22s %-6s %14s %12s %10s\n' mechanism dtype peak_memory_mb trainable seconds
for precision in $precisions; do
  for row in $mechanisms; do
    mechanism=${row%%:*}
    optimizer=adamw
    [ "$row" != "$mechanism" ] && optimizer=${row#*:}
    objective=sft
    train=$data
    case $mechanism in
      linear_probe|mlp_head|projection_head) objective=classify; train=$classify_data ;;
    esac
    out="$work/out-$mechanism-$optimizer-$precision"
    cat > "$work/recipe.yaml" <<YAML
model: $work/model
from_scratch: true
objective: $objective
mechanism: $mechanism
precision: $precision
device: $device
output_dir: $out
data:
  train: $train
  max_length: 512
lora:
  r: 8
  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
training:
  max_steps: 2
  batch_size: 1
  gradient_checkpointing: $checkpointing
  optimizer: $optimizer
YAML
    dotnet "$cli" train "$work/recipe.yaml" >"$work/log-$row-$precision.txt" 2>&1 || { cat "$work/log-$row-$precision.txt"; exit 1; }
    python3 - "$out/summary.json" "$row" "$precision" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<22} {sys.argv[3]:<6} {s['peak_memory_mb']:>14} {s['trainable_parameters']:>12} {s['seconds']:>10}")
PY
  done
done
