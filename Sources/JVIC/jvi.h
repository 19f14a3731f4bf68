/*
 * jvi.h: the C interface of libjvi, jvi's estimators for other languages (the Python package
 * loads it with ctypes). Every function is exported by the Swift target JVIC (Sources/JVIC).
 *
 * Rules of every call:
 * - log-weights are an N x K matrix of doubles, row-major and contiguous (row n at logw + n*K),
 *   read in place and never written; -inf is a zero weight; NaN or +inf is refused, naming the
 *   row and column.
 * - the caller allocates every output, of the size stated; nothing is allocated for the caller.
 * - the return value is a status: JVI_OK, JVI_INVALID_ARGUMENT (the input or a parameter is
 *   wrong: the message says which) or JVI_INTERNAL_ERROR. The message (NUL-terminated,
 *   truncated to message_capacity bytes) is written on every status other than JVI_OK, and on
 *   JVI_OK when some row is undefined (it then names the first such row and why).
 * - no call aborts the process on any input, keeps state between calls, or holds a lock across
 *   calls: calls may run concurrently from several threads.
 * - threads: worker threads, 1...1024, or 0 for every online processor; the results are
 *   bit-identical for any value.
 * - an undefined row (an estimate that does not exist for it, e.g. JVI of order m on a row
 *   with at most m non-zero weights) gets NaN in its outputs and is counted in *undefined_rows.
 */
#ifndef JVI_H
#define JVI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  JVI_OK = 0,
  JVI_INVALID_ARGUMENT = 1,
  JVI_INTERNAL_ERROR = 2,
};

/* The version of this interface; it changes when a signature does. */
#define JVI_ABI_VERSION 1
int32_t jvi_abi_version(void);

/* Writes "1.0.0 (release build, Swift 6.3.1, kernels avx512)" into text. */
int32_t jvi_version(char *text, int64_t capacity);

/*
 * One estimate per row. method is a jvi-eval estimator word, as experiment files write it:
 * "iwae", "jvi-2", "vr:alpha=0.5", "sumo:m=2", "mlmc:form=ss,r=0.6", "tvo-upper:partitions=8".
 * log_likelihood (N x K, log p(x | z) of the same samples) and kl (N values of the analytic
 * KL(q(z | x) || p(z))) are elbo-b's inputs: both NULL, or both given (jvi-eval --log-likelihood,
 * --kl). k: samples per estimate (0: all K columns); with k < K the floor(K/k) column blocks are
 * replicates and each row's estimate is their mean (jvi-eval --k). seed: the randomised
 * estimators' (sumo, mlmc) own draws, one stream per row and block.
 * values: N doubles.
 */
int32_t jvi_estimate(
  const char *method, const double *logw, int64_t rows, int64_t columns, const double *log_likelihood,
  const double *kl, int64_t k, uint64_t seed, int32_t threads, double *values, int64_t *undefined_rows,
  char *message, int64_t message_capacity);

/*
 * The estimates and G[n, i] = d value_n / d logw[n, i] for iwae, jvi-M and vr[:alpha=A].
 * extended = 0: the training path's precision (double where its error bound allows, as
 * jvi-train); 1: double-double throughout, the bits of jvi-eval --gradient-weights.
 * values: N doubles; gradient: N x K doubles, row-major.
 */
int32_t jvi_value_and_grad(
  const char *method, const double *logw, int64_t rows, int64_t columns, int64_t k, int32_t extended,
  int32_t threads, double *values, double *gradient, int64_t *undefined_rows, char *message,
  int64_t message_capacity);

/*
 * Pareto-smoothed importance sampling, as ArviZ's psislw (r_eff = 1): smoothed_log_weights
 * (N x K) are the smoothed, truncated and normalised log-weights of each row (log-sum-exp 0),
 * khat (N) the fitted Pareto shape, +inf when the tail has fewer than 5 points (K < 21), is
 * constant or cannot be fitted.
 */
int32_t jvi_psis(
  const double *logw, int64_t rows, int64_t columns, int32_t threads, double *smoothed_log_weights,
  double *khat, char *message, int64_t message_capacity);

/*
 * Importance diagnostics of each row's first k columns (k = 0: all), six per row, row-major:
 * ess, max_weight, pareto_k, psis_ess, jackknife_bias, jackknife_variance (jvi-eval
 * --diagnostics --per-instance). The jackknife fields are NaN where undefined (no non-zero
 * weight, or k = 1).
 */
int32_t jvi_diagnostics(
  const double *logw, int64_t rows, int64_t columns, int64_t k, int32_t threads, double *fields,
  char *message, int64_t message_capacity);

/*
 * The estimators jvi_estimate takes, as JSON: {"estimators": [{"name", "numbered",
 * "differentiable", "summary", "parameters": [{"key", "keyword", "flag", "kind", "choices",
 * "default"}]}]}. numbered: the first parameter is part of the name ("jvi-2"); differentiable:
 * jvi_value_and_grad takes it. A text that does not fit is refused with the size needed.
 */
int32_t jvi_estimators(char *text, int64_t capacity);

/*
 * A K-sweep, as jvi-sweep --experiment <experiment_name>.experiment --run-id <run_id>
 * --results <results_directory> runs it: experiment_text is an experiment file's text
 * (experiments/README.md; model = matrix with logw = PATH for a caller's log-weights). Writes the
 * same files (<results>/<name>/<run>.csv, .intervals.csv, .reference.csv, .manifest.json, .svg)
 * and the CSV's path into csv_path. bootstrap: resamples for the bias intervals (100...1000000).
 */
int32_t jvi_sweep(
  const char *experiment_text, const char *experiment_name, const char *results_directory, const char *run_id,
  int32_t threads, int32_t bootstrap, char *csv_path, int64_t csv_path_capacity, char *message,
  int64_t message_capacity);

/*
 * Log-weights of a VAE model file (jvi.torch.save_vae, jvi-train --export) or a gaussian-vae
 * checkpoint at model_path, on N x D observations x (row-major doubles, evaluated as given):
 * log_weights gets N x samples values, the bits of jvi-eval --model PATH --data X.npy --samples
 * SAMPLES --seed SEED. With noise (N x samples x latent standard normal values, row-major;
 * latent must be the model's), sample s of row n uses z = mu + sigma * noise[n, s, :] instead of
 * the seed's draws. precision: 0 the model's own (its file's dtype), 1 float32, 2 float64.
 */
int32_t jvi_model_log_weights(
  const char *model_path, const double *x, int64_t rows, int64_t columns, int64_t samples, const double *noise,
  int64_t latent, uint64_t seed, int32_t precision, int32_t threads, double *log_weights, char *message,
  int64_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif /* JVI_H */
