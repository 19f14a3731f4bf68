"""jvi.torch: differentiable estimates, checked by torch.autograd.gradcheck."""
import numpy as np
import pytest

import jvi

torch = pytest.importorskip("torch")
import jvi.torch as jt  # noqa: E402


@pytest.mark.parametrize("method,parameters", [("iwae", {}), ("jvi", {"order": 1}), ("jvi", {"order": 2}),
                                               ("jvi", {"order": 3}), ("vr", {"alpha": 0.5})])
def test_gradcheck(method, parameters):
    x = torch.randn(5, 24, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: jt.estimate(t, method, **parameters), (x,))
    y = torch.randn(24, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2), requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: jt.estimate(t, method, dim=0, **parameters), (y,))


def test_loss_is_minus_jvi_and_reduces_like_torch_losses():
    x = torch.randn(6, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(3), requires_grad=True)
    values = jvi.jvi(x.detach().numpy(), order=2)
    none = jt.jvi_loss(x, order=2, reduction="none")
    assert np.array_equal(none.detach().numpy(), -values)
    assert jt.jvi_loss(x, order=2, reduction="sum").item() == pytest.approx(-values.sum(), rel=1e-15)
    loss = jt.jvi_loss(x, order=2)
    loss.backward()
    _, g = jvi.value_and_grad(x.detach().numpy(), "jvi", order=2)
    np.testing.assert_allclose(x.grad.numpy(), -g / 6, rtol=1e-15, atol=0)
    assert torch.autograd.gradcheck(lambda t: jt.jvi_loss(t, order=2), (x,))


def test_float32_in_float32_out():
    x = torch.randn(4, 16, generator=torch.Generator().manual_seed(4), requires_grad=True)
    value = jt.estimate(x, "jvi", order=2)
    assert value.dtype == torch.float32 and value.shape == (4,)
    value.sum().backward()
    assert x.grad.dtype == torch.float32
    np.testing.assert_allclose(x.grad.sum(dim=1).numpy(), 1, atol=1e-6)


def test_no_gradient_methods_need_no_grad():
    x = torch.randn(3, 40, requires_grad=True)
    with pytest.raises(ValueError, match="no gradient"):
        jt.estimate(x, "psis")
    with torch.no_grad():
        assert jt.estimate(x, "psis").shape == (3,)


def test_bad_arguments():
    with pytest.raises(TypeError, match="torch.Tensor"):
        jt.estimate(np.zeros((2, 3)), "iwae")
    with pytest.raises(TypeError, match="floating-point"):
        jt.estimate(torch.zeros(2, 3, dtype=torch.int64), "iwae")
    with pytest.raises(ValueError, match="reduction"):
        jt.jvi_loss(torch.zeros(2, 3), reduction="avg")
    with pytest.raises(ValueError, match="NaN"):
        jt.estimate(torch.tensor([[0.0, float("nan")]], requires_grad=True), "iwae")


def test_torch_compile_and_opcheck():
    """The operator is opaque to torch.compile (a full graph) and passes torch.library.opcheck."""
    x = torch.randn(6, 24, dtype=torch.float64, generator=torch.Generator().manual_seed(5), requires_grad=True)

    def loss(t):
        return jt.jvi_loss(t * 1.0, order=2)

    compiled = torch.compile(loss, fullgraph=True)
    value = compiled(x)
    value.backward()
    compiled_grad = x.grad.clone()
    x.grad = None
    eager = loss(x)
    eager.backward()
    assert value.item() == eager.item() and torch.equal(compiled_grad, x.grad)
    torch.library.opcheck(torch.ops.jvi.value_and_grad.default,
                          (torch.randn(4, 16, dtype=torch.float64, requires_grad=True), "jvi-2", 0, 1))
