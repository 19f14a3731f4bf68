# Shared by run.sh and run-binary.sh (sourced from the repository's top): the settings, one
# model's training and evaluation, and the combined results.csv.
bin=${JVI_BIN:-.build/release}
out=results/training-objectives
images=500          # test images evaluated
k=64                # samples per image per step
header="name,seed,epochs,seconds_per_epoch,ais,iwae5000,elbo,encoder_snr_k1,decoder_snr_k1,encoder_snr_k8,decoder_snr_k8,encoder_snr_k64,decoder_snr_k64"
mkdir -p "$out/models" "$out/runs"

# train_and_evaluate NAME SEED EPOCHS "TRAIN OPTIONS" "EVALUATION OPTIONS" AIS(yes|no) SNR_KS
# Trains NAME (unless its checkpoint exists), then writes runs/NAME-seedSEED.csv (unless it
# exists): seconds per epoch from the training log, AIS log p(x) when asked, IWAE-5000 and the
# ELBO (jvi-eval with the evaluation options), and the encoder/decoder gradient SNR at the
# comma-separated SNR_KS (columns of the other K of 1, 8, 64 left empty).
train_and_evaluate() {
  local name=$1 seed=$2 epochs=$3 options=$4 evaluation=$5 with_ais=$6 snr_ks=$7
  local model="$out/models/$name-seed$seed.ckpt" log="$out/runs/$name-seed$seed.train.log"
  local eval_csv="$out/runs/$name-seed$seed.csv"
  if [ ! -f "$model" ]; then
    echo "training $name seed $seed" >&2
    # shellcheck disable=SC2086
    if ! "$bin/jvi-train" $options --epochs "$epochs" --seed "$seed" --output "$model" 2> "$log"; then
      # A run that diverged (a non-finite loss) is a result too: recorded, and the others go on.
      echo "$name seed $seed failed: $(tail -n 1 "$log")" >&2
      echo "$header" > "$eval_csv"
      echo "$name,$seed,$epochs,,diverged,,,,,,,," >> "$eval_csv"
      return
    fi
  fi
  [ -f "$eval_csv" ] && return
  echo "evaluating $name seed $seed" >&2
  local seconds ais="" estimates iwae elbo snr
  seconds=$(awk '/^epoch [0-9]+\/[0-9]+:/ { for (i = 1; i <= NF; i++) if ($i == "s,") { sum += $(i - 1); n++ } }
    END { if (n) printf "%.3f", sum / n }' "$log")
  if [ "$with_ais" = yes ]; then
    ais=$("$bin/jvi-ais" --model "$model" --instances "$images" --chains 4 --temperatures 500 --start proposal \
      --leapfrog 5 --seed 7 2>/dev/null | awk -F, 'NR > 1 { s += $3; n++ } END { printf "%.6f", s / n }')
  fi
  # shellcheck disable=SC2086
  estimates=$("$bin/jvi-eval" --model "$model" --limit "$images" --samples 5000 --estimator all --order 1 --seed 7 \
    $evaluation 2>/dev/null)
  iwae=$(echo "$estimates" | awk -F, '$1 == "iwae" { print $5 }')
  elbo=$(echo "$estimates" | awk -F, '$1 == "elbo-a" { print $5 }')
  snr=$("$bin/jvi-eval" --model "$model" --gradient-snr "$snr_ks" --snr-draws 100 --snr-images 100 --seed 7 \
    2>/dev/null | awk -F, 'NR > 1 { v[$1] = $4 "," $5 }
      END { n = split("1 8 64", ks, " "); for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), (ks[i] in v ? v[ks[i]] : ",") }')
  echo "$header" > "$eval_csv.partial"
  echo "$name,$seed,$epochs,$seconds,$ais,$iwae,$elbo,$snr" >> "$eval_csv.partial"
  mv "$eval_csv.partial" "$eval_csv"
}

# results.csv: every run's row.
write_results() {
  {
    echo "$header"
    for f in "$out"/runs/*.csv; do tail -n +2 "$f"; done
  } > "$out/results.csv"
  echo "wrote $out/results.csv" >&2
}
