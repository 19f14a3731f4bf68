#!/usr/bin/env bash
# The training-objectives experiment (issue 12): the default Fashion-MNIST VAE trained by each
# objective and gradient estimator with the same budget — 64 samples per image per step, the same
# epochs, seeds and data — then evaluated on the same test images by AIS (the reference), IWAE-5000
# and the ELBO, with the seconds per epoch and the encoder's and decoder's gradient SNR against K.
#
#   experiments/training-objectives/run.sh [SEEDS] [EPOCHS]     (default: "1 2" and 5)
#
# Resumable: a finished model (its checkpoint) or evaluation (its CSV) is kept. Writes
# results/training-objectives/{models/*.ckpt (not committed), runs/*.csv, results.csv}; then
# scripts/training-objectives-table.py prints the README table.
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-1 2}
epochs=${2:-5}
bin=${JVI_BIN:-.build/release}
out=results/training-objectives
mkdir -p "$out/models" "$out/runs"
images=500          # test images evaluated
k=64                # samples per image per step
header="name,seed,epochs,seconds_per_epoch,ais,iwae5000,elbo,encoder_snr_k1,decoder_snr_k1,encoder_snr_k8,decoder_snr_k8,encoder_snr_k64,decoder_snr_k64"

# name | jvi-train objective options
configs=(
  "elbo|--objective elbo-a --k $k"
  "iwae|--objective iwae --k $k"
  "iwae-stl|--objective iwae --k $k --gradient stl"
  "iwae-dreg|--objective iwae --k $k --gradient dreg"
  "jvi1|--objective jvi --order 1 --k $k"
  "jvi1-dreg|--objective jvi --order 1 --k $k --gradient dreg"
  "jvi2-dreg|--objective jvi --order 2 --k $k --gradient dreg"
  "miwae-8x8|--objective miwae --groups 8 --k $k"
  "piwae-8x8|--objective piwae --groups 8 --k $k"
  "ciwae-0.5|--objective ciwae --beta 0.5 --k $k"
  "vr-0.5|--objective vr --alpha 0.5 --k $k"
)

for seed in $seeds; do
  for entry in "${configs[@]}"; do
    name=${entry%%|*}
    options=${entry#*|}
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
    ais=$("$bin/jvi-ais" --model "$model" --instances "$images" --chains 4 --temperatures 500 --start proposal \
      --leapfrog 5 --seed 7 2>/dev/null | awk -F, 'NR > 1 { s += $3; n++ } END { printf "%.6f", s / n }')
    estimates=$("$bin/jvi-eval" --model "$model" --limit "$images" --samples 5000 --estimator all --order 1 --seed 7 \
      2>/dev/null)
    iwae=$(echo "$estimates" | awk -F, '$1 == "iwae" { print $5 }')
    elbo=$(echo "$estimates" | awk -F, '$1 == "elbo-a" { print $5 }')
    snr=$("$bin/jvi-eval" --model "$model" --gradient-snr 1,8,64 --snr-draws 100 --snr-images 100 --seed 7 2>/dev/null |
      awk -F, 'NR > 1 { printf "%s%s,%s", (NR > 2 ? "," : ""), $4, $5 }')
    echo "$header" > "$eval_csv.partial"
    echo "$name,$seed,$epochs,$seconds,$ais,$iwae,$elbo,$snr" >> "$eval_csv.partial"
    mv "$eval_csv.partial" "$eval_csv"
  done
done
{
  echo "$header"
  for f in "$out"/runs/*.csv; do tail -n +2 "$f"; done
} > "$out/results.csv"
echo "wrote $out/results.csv" >&2
