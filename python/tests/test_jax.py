"""jvi.jax: estimates under jit, grad and vmap."""
import numpy as np
import pytest

import jvi

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import jvi.jax as jj  # noqa: E402


def logw(shape, seed=0, dtype=np.float32):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape) * 1.5, dtype=dtype)


def test_value_is_jvi_value_in_the_input_dtype():
    x = logw((4, 32))
    value = jax.jit(lambda t: jj.estimate(t, "jvi", order=2))(x)
    assert value.dtype == jnp.float32 and value.shape == (4,)
    expected = jvi.jvi(np.asarray(x, dtype=np.float64), order=2).astype(np.float32)
    assert np.array_equal(np.asarray(value), expected)


def test_grad_is_jvi_gradient():
    x = logw((3, 5, 16))
    g = jax.jit(jax.grad(lambda t: jj.estimate(t, "jvi", order=2).sum()))(x)
    _, expected = jvi.value_and_grad(np.asarray(x, dtype=np.float64), "jvi", order=2)
    assert np.array_equal(np.asarray(g), expected.astype(np.float32))


def test_vmap_and_axis():
    x = logw((6, 20, 3), seed=1)
    mapped = jax.vmap(lambda t: jj.estimate(t, "iwae", axis=0), in_axes=0)(x)
    assert mapped.shape == (6, 3)
    direct = jvi.iwae(np.asarray(x, dtype=np.float64), axis=1).astype(np.float32)
    assert np.array_equal(np.asarray(mapped), direct)


def test_loss_and_errors():
    x = logw((4, 12), seed=2)
    assert float(jj.jvi_loss(x, order=1)) == pytest.approx(-float(jnp.mean(jj.estimate(x, "jvi", order=1))))
    with pytest.raises(ValueError, match="iwae, jvi and vr"):
        jj.estimate(x, "psis")
    with pytest.raises(TypeError, match="floating-point"):
        jj.estimate(jnp.zeros((2, 3), dtype=jnp.int32), "iwae")
    bad = x.at[0, 0].set(jnp.nan)
    assert np.isnan(np.asarray(jj.estimate(bad, "iwae"))).all()
