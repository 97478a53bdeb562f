#!/usr/bin/env bash
# The README quickstart: LoRA-tune the repository's small base model on its generated instruction data, and
# show the eval loss and a sample answer before and after. Needs no network and nothing outside the repository.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
quickstart=examples/quickstart
model=$quickstart/base-model
adapter=runs/quickstart-lora/adapter
questions=("Convert 7.5 km to meters." "Write a Python function called triple that takes x and returns x times 3.")

show_samples() {
  for question in "${questions[@]}"; do
    echo "  Q: $question"
    echo "  A: $(./sharptune generate --model "$model" "$@" --template alpaca --prompt "$question" --max-new-tokens 80)"
  done
}

echo "== Before fine-tuning"
./sharptune eval --model "$model" --data $quickstart/data/sft_eval.jsonl
show_samples

echo "== LoRA fine-tuning ($quickstart/lora-sft.yaml)"
./sharptune train $quickstart/lora-sft.yaml --overwrite

echo "== After fine-tuning"
./sharptune eval --model "$model" --adapter "$adapter" --data $quickstart/data/sft_eval.jsonl
show_samples --adapter "$adapter"
