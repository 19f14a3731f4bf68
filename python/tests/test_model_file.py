"""Model files: jvi.torch.save_vae, jvi.jax.save_vae and jvi.model_file.write_vae, read back by the
safetensors library itself, and jvi's log-weights of a PyTorch VAE against PyTorch's own (same law:
per-row mean log w and IWAE within Monte Carlo error)."""
import json
import subprocess

import numpy as np
import pytest

from jvi import model_file

torch = pytest.importorskip("torch")
nn = torch.nn


def vae(likelihood="bernoulli", dtype=torch.float64, seed=3):
    torch.manual_seed(seed)
    encoder = nn.Sequential(nn.Linear(12, 16), nn.ELU(), nn.Linear(16, 10), nn.LeakyReLU(), nn.Linear(10, 4))
    decoder = nn.Sequential(nn.Linear(2, 9), nn.Softplus(), nn.Linear(9, 11), nn.Tanh(), nn.Linear(11, 12))
    with torch.no_grad():
        for p in encoder.parameters():
            p.mul_(0.3)  # a broad q(z|x), as a trained encoder's
        for p in decoder.parameters():
            p.mul_(2.0)
    return encoder.to(dtype), decoder.to(dtype)


def torch_log_weights(encoder, decoder, x, eps, likelihood, log_variance):
    """log w = log p(x|z) + log N(z; 0, I) - log q(z|x) with z = mu + sigma * eps (eps: N x K x 2), in
    PyTorch: the network in its own dtype, the sums in float64."""
    dtype = next(encoder.parameters()).dtype
    x64 = torch.as_tensor(x, dtype=torch.float64)
    with torch.no_grad():
        h = encoder(torch.as_tensor(x, dtype=dtype))
        mu, logvar = h[:, :2], h[:, 2:]
        e = torch.as_tensor(eps, dtype=dtype)
        z = mu[:, None] + torch.exp(0.5 * logvar)[:, None] * e
        out = decoder(z).double()
        if likelihood == "bernoulli":
            ll = -nn.functional.binary_cross_entropy_with_logits(out, x64[:, None].expand_as(out), reduction="none").sum(-1)
        else:
            v = torch.as_tensor(log_variance, dtype=torch.float64)
            ll = (-0.5 * (np.log(2 * np.pi) + v + (x64[:, None] - out) ** 2 / torch.exp(v))).sum(-1)
        log_prior = -0.5 * (z.double().square().sum(-1) + 2 * np.log(2 * np.pi))
        log_q = -0.5 * (e.double().square().sum(-1) + 2 * np.log(2 * np.pi)) - 0.5 * logvar.double().sum(-1)[:, None]
        return (ll + log_prior - log_q).numpy()


def saved_model(tmp_path, likelihood, rows, seed, dtype=torch.float64):
    """A saved VAE and `rows` observations for it (binary for Bernoulli, normal for Gaussian)."""
    encoder, decoder = vae(likelihood, dtype=dtype)
    rng = np.random.default_rng(seed)
    if likelihood == "bernoulli":
        x, log_variance = (rng.random((rows, 12)) < 0.5).astype(np.float64), None
    else:
        x, log_variance = rng.normal(size=(rows, 12)), np.linspace(-1, 0.5, 12)
    from jvi.torch import save_vae
    save_vae(encoder, decoder, tmp_path / "m.safetensors", likelihood=likelihood, log_variance=log_variance)
    return encoder, decoder, x, log_variance, rng


def test_save_vae_writes_what_safetensors_reads(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    encoder, decoder = vae(dtype=torch.float32)
    path = tmp_path / "m.safetensors"
    from jvi.torch import save_vae
    save_vae(encoder, decoder, path)
    tensors = st.load_file(str(path))
    np.testing.assert_array_equal(tensors["encoder.0.weight"], encoder[0].weight.detach().numpy())
    np.testing.assert_array_equal(tensors["decoder.4.bias"], decoder[4].bias.detach().numpy())
    assert tensors["encoder.2.weight"].dtype == np.float32 and tensors["encoder.2.weight"].shape == (10, 16)
    from safetensors import safe_open
    with safe_open(str(path), "np") as f:
        metadata = f.metadata()
    assert metadata["format"] == "jvi-vae" and metadata["format_version"] == "1"
    spec = json.loads(metadata["architecture"])
    assert spec["latent_dim"] == 2 and spec["input_dim"] == 12
    assert [e.get("activation") for e in spec["encoder"] if "activation" in e] == ["elu", "leaky-relu"]
    assert [e.get("activation") for e in spec["decoder"] if "activation" in e] == ["softplus", "tanh"]


def test_jax_kernels_are_transposed(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    pytest.importorskip("jax")
    from jvi.jax import save_vae
    rng = np.random.default_rng(0)
    enc = [{"kernel": rng.normal(size=(6, 5)), "bias": rng.normal(size=5)}, "relu",
           {"kernel": rng.normal(size=(5, 4)), "bias": rng.normal(size=4)}]
    dec = [{"kernel": rng.normal(size=(2, 6)), "bias": np.zeros(6)}]
    path = tmp_path / "j.safetensors"
    save_vae(enc, dec, path, latent_dim=2, likelihood="gaussian", log_variance=-1.0, dtype="float64")
    tensors = st.load_file(str(path))
    np.testing.assert_array_equal(tensors["encoder.0.weight"], enc[0]["kernel"].T)
    np.testing.assert_array_equal(tensors["decoder.0.weight"], dec[0]["kernel"].T)


@pytest.mark.parametrize("module, message", [
    (nn.Dropout(0.1), "encoder[1] is Dropout"),
    (nn.LeakyReLU(0.2), "negative_slope=0.2"),
    (nn.ELU(alpha=0.5), "alpha=0.5"),
    (nn.Softplus(beta=2), "beta=2"),
    (nn.BatchNorm1d(16), "encoder[1] is BatchNorm1d"),
])
def test_save_vae_refuses_what_jvi_cannot_run_by_name(tmp_path, module, message):
    from jvi.torch import save_vae
    encoder = nn.Sequential(nn.Linear(12, 16), module, nn.Linear(16, 4))
    _, decoder = vae()
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        save_vae(encoder, decoder, tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()


@pytest.mark.parametrize("arguments, error, message", [
    (dict(latent_dim=3), ValueError, "encoder ends with 4 outputs; it needs 6"),
    (dict(latent_dim=2, likelihood="poisson"), ValueError, "likelihood must be"),
    (dict(latent_dim=2, likelihood="gaussian"), ValueError, "needs log_variance"),
    (dict(latent_dim=2, likelihood="gaussian", log_variance=np.zeros(5)), ValueError, "12 finite values"),
    (dict(latent_dim=2, dtype="float16"), ValueError, "dtype"),
])
def test_write_vae_checks_its_arguments(tmp_path, arguments, error, message):
    from jvi.torch import _layers
    encoder, decoder = vae()
    with pytest.raises(error, match=message):
        model_file.write_vae(tmp_path / "m.safetensors", _layers(encoder, "encoder"), _layers(decoder, "decoder"),
                             **arguments)


def test_a_non_finite_weight_is_refused(tmp_path):
    encoder, decoder = vae()
    with torch.no_grad():
        decoder[2].weight[1, 1] = float("nan")
    from jvi.torch import save_vae
    with pytest.raises(ValueError, match=r"decoder\[2\]: the weight holds non-finite values"):
        save_vae(encoder, decoder, tmp_path / "m.safetensors")


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_jvi_log_weights_follow_pytorchs(tmp_path, jvi_eval, likelihood):
    """On the same 6 rows: jvi's per-row mean log w (ELBO) and IWAE-4000 agree with PyTorch's
    within 4 combined Monte Carlo standard errors."""
    encoder, decoder, x, log_variance, rng = saved_model(tmp_path, likelihood, 6, seed=1)
    np.save(tmp_path / "x.npy", x)
    k = 4000
    subprocess.run([jvi_eval, "--model", str(tmp_path / "m.safetensors"), "--data", str(tmp_path / "x.npy"),
                    "--samples", str(k), "--save-logw", str(tmp_path / "w.npy"), "--estimator", "iwae"],
                   check=True, capture_output=True)
    ours = np.load(tmp_path / "w.npy")
    theirs = torch_log_weights(encoder, decoder, x, rng.standard_normal((6, k, 2)), likelihood, log_variance)
    assert ours.shape == theirs.shape == (6, k)
    se = np.sqrt(ours.var(axis=1, ddof=1) / k + theirs.var(axis=1, ddof=1) / k)
    assert np.all(np.abs(ours.mean(axis=1) - theirs.mean(axis=1)) <= 4 * se)

    def iwae(w):
        m = w.max(axis=1, keepdims=True)
        return (m[:, 0] + np.log(np.exp(w - m).mean(axis=1))), np.exp(w - m).std(axis=1) / np.exp(w - m).mean(axis=1)

    (a, ra), (b, rb) = iwae(ours), iwae(theirs)
    assert np.all(np.abs(a - b) <= 4 * np.sqrt(ra ** 2 + rb ** 2) / np.sqrt(k))


@pytest.mark.parametrize("likelihood, dtype", [("bernoulli", torch.float32), ("gaussian", torch.float64)])
def test_the_same_noise_gives_pytorchs_log_weights(tmp_path, likelihood, dtype):
    """With PyTorch's own eps passed in, jvi's log w equal PyTorch's to the network's rounding:
    1e-4 relative in float32 (a few hundred float32 roundings of terms of size ~10), 1e-10 in float64."""
    import jvi
    encoder, decoder, x, log_variance, rng = saved_model(tmp_path, likelihood, 5, seed=4, dtype=dtype)
    eps = rng.standard_normal((5, 7, 2))
    ours = jvi.model_log_weights(tmp_path / "m.safetensors", x, noise=eps)
    theirs = torch_log_weights(encoder, decoder, x, eps, likelihood, log_variance)
    tolerance = 1e-4 if dtype == torch.float32 else 1e-10
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


def test_model_log_weights_give_the_clis_bits(tmp_path, jvi_eval):
    import jvi
    encoder, decoder = vae()
    from jvi.torch import save_vae
    save_vae(encoder, decoder, tmp_path / "m.safetensors")
    x = (np.random.default_rng(5).random((9, 12)) < 0.5).astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([jvi_eval, "--model", str(tmp_path / "m.safetensors"), "--data", str(tmp_path / "x.npy"),
                    "--samples", "33", "--seed", "8", "--save-logw", str(tmp_path / "w.npy"), "--estimator", "iwae"],
                   check=True, capture_output=True)
    for threads in (1, 2):
        ours = jvi.model_log_weights(tmp_path / "m.safetensors", x, 33, seed=8, threads=threads)
        assert np.array_equal(ours, np.load(tmp_path / "w.npy"))


@pytest.mark.parametrize("arguments, error, message", [
    (dict(x=np.zeros((3, 11)), samples=4), ValueError, "x: rows of 11 values; the model takes 12"),
    (dict(x=np.full((3, 12), np.nan), samples=4), ValueError, "row 0, column 0 is nan"),
    (dict(x=np.zeros((3, 12)), noise=np.zeros((3, 4, 5))), ValueError, "noise has 5 values per sample"),
    (dict(x=np.zeros((3, 12)), noise=np.full((3, 4, 2), np.inf)), ValueError, r"noise\[0, 0, 0\] is inf"),
    (dict(x=np.zeros((3, 12))), ValueError, "give samples"),
    (dict(x=np.zeros(12), samples=2), ValueError, "2-D"),
    (dict(x=np.zeros((3, 12)), samples=2, precision="half"), ValueError, "precision"),
    (dict(x=np.array([["a"] * 12]), samples=2), TypeError, "numbers"),
])
def test_model_log_weights_refuse_bad_input(tmp_path, arguments, error, message):
    import jvi
    encoder, decoder = vae()
    from jvi.torch import save_vae
    save_vae(encoder, decoder, tmp_path / "m.safetensors")
    with pytest.raises(error, match=message):
        jvi.model_log_weights(tmp_path / "m.safetensors", **arguments)
    with pytest.raises(ValueError, match="no such file|cannot open"):
        jvi.model_log_weights(tmp_path / "missing.safetensors", np.zeros((1, 12)), 2)
