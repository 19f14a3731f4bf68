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
# shellcheck source=experiments/training-objectives/common.sh
. experiments/training-objectives/common.sh

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
    train_and_evaluate "${entry%%|*}" "$seed" "$epochs" "${entry#*|}" "" yes 1,8,64
  done
done
write_results
