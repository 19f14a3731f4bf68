#!/usr/bin/env bash
# The binary-latent part of the training-objectives experiment (issue 12): a Bernoulli VAE trained
# by VIMCO against the Binary Concrete relaxation (the discrete VAE trained by IWAE on relaxed
# latents), the same 784-200-50 tanh networks, 64 samples per image per step, the same epochs and
# seeds, both evaluated as the same binary model (b ~ Bernoulli(σ(G)), prior Bernoulli(1/2)) by
# IWAE-5000 and the ELBO on the same test images, with the seconds per epoch and the gradient SNR.
#
#   experiments/training-objectives/run-binary.sh [SEEDS] [EPOCHS]     (default: "1 2" and 5)
#
# Resumable, like run.sh; rows go to results/training-objectives/runs/ and results.csv.
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-1 2}
epochs=${2:-5}
bin=${JVI_BIN:-.build/release}
out=results/training-objectives
mkdir -p "$out/models" "$out/runs"
images=500
k=64
header="name,seed,epochs,seconds_per_epoch,ais,iwae5000,elbo,encoder_snr_k1,decoder_snr_k1,encoder_snr_k8,decoder_snr_k8,encoder_snr_k64,decoder_snr_k64"

configs=(
  "bernoulli-vimco|--model bernoulli-vae --objective vimco --k $k|"
  "concrete-iwae|--model discrete-vae --objective iwae --k $k|--latent discrete"
)

for seed in $seeds; do
  for entry in "${configs[@]}"; do
    IFS='|' read -r name options evaluation <<< "$entry"
    model="$out/models/$name-seed$seed.ckpt"
    log="$out/runs/$name-seed$seed.train.log"
    if [ ! -f "$model" ]; then
      echo "training $name seed $seed" >&2
      # shellcheck disable=SC2086
      if ! "$bin/jvi-train" $options --epochs "$epochs" --seed "$seed" --output "$model" 2> "$log"; then
        # A run that diverged (a non-finite loss) is a result too: recorded, and the others go on.
        echo "$name seed $seed failed: $(tail -n 1 "$log")" >&2
        echo "$header" > "$out/runs/$name-seed$seed.csv"
        echo "$name,$seed,$epochs,,diverged,,,,,,,," >> "$out/runs/$name-seed$seed.csv"
        continue
      fi
    fi
    eval_csv="$out/runs/$name-seed$seed.csv"
    [ -f "$eval_csv" ] && continue
    echo "evaluating $name seed $seed" >&2
    seconds=$(awk '/^epoch [0-9]+\/[0-9]+:/ { for (i = 1; i <= NF; i++) if ($i == "s,") { sum += $(i - 1); n++ } }
      END { if (n) printf "%.3f", sum / n }' "$log")
    # shellcheck disable=SC2086
    estimates=$("$bin/jvi-eval" --model "$model" --limit "$images" --samples 5000 --estimator all --order 1 --seed 7 \
      $evaluation 2>/dev/null)
    iwae=$(echo "$estimates" | awk -F, '$1 == "iwae" { print $5 }')
    elbo=$(echo "$estimates" | awk -F, '$1 == "elbo-a" { print $5 }')
    # VIMCO needs k >= 2: K = 8 and 64 only (the K = 1 columns stay empty).
    snr=,,$("$bin/jvi-eval" --model "$model" --gradient-snr 8,64 --snr-draws 100 --snr-images 100 --seed 7 2>/dev/null |
      awk -F, 'NR > 1 { printf "%s%s,%s", (n++ ? "," : ""), $4, $5 }')
    echo "$header" > "$eval_csv.partial"
    echo "$name,$seed,$epochs,$seconds,,$iwae,$elbo,$snr" >> "$eval_csv.partial"
    mv "$eval_csv.partial" "$eval_csv"
  done
done
{
  echo "$header"
  for f in "$out"/runs/*.csv; do tail -n +2 "$f"; done
} > "$out/results.csv"
echo "wrote $out/results.csv" >&2
