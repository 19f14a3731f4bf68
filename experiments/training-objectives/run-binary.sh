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
# shellcheck source=experiments/training-objectives/common.sh
. experiments/training-objectives/common.sh

# name | jvi-train options | jvi-eval options (both evaluated as the binary model)
configs=(
  "bernoulli-vimco|--model bernoulli-vae --objective vimco --k $k|"
  "concrete-iwae|--model discrete-vae --objective iwae --k $k|--latent discrete"
)

for seed in $seeds; do
  for entry in "${configs[@]}"; do
    IFS='|' read -r name options evaluation <<< "$entry"
    # No AIS (the Gaussian VAE's reference); VIMCO needs k >= 2: the SNR at K = 8 and 64 only.
    train_and_evaluate "$name" "$seed" "$epochs" "$options" "$evaluation" no 8,64
  done
done
write_results
