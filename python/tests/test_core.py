"""satool.Memory on numpy: numbers against numpy references, dtype/shape/layout edge cases,
messages, determinism, and the GIL released while sampling."""

import re
import threading

import numpy as np
import pytest

import satool
from conftest import ROOT


def memory_matrix(d=16, k=40, seed=0):
    """d × K unit-norm patterns, one per column (the numpy references below use this layout)."""
    x = np.random.default_rng(seed).standard_normal((d, k))
    return x / np.linalg.norm(x, axis=0)


def test_patterns_are_rows_as_in_numpy_and_scikit_learn():
    """Memory(X) reads X as (n_patterns, d): a (500, 64) array is K = 500 patterns in d = 64."""
    x = np.random.default_rng(0).standard_normal((500, 64))
    mem = satool.Memory(x)
    assert (mem.K, mem.d) == (500, 64)
    assert repr(mem) == "Memory(K=500, d=64)"
    np.testing.assert_array_equal(mem.X, x)
    # the core's column layout, behind its own constructor, is the same memory
    cols = satool.Memory.from_columns(x.T)
    assert (cols.K, cols.d) == (500, 64)
    np.testing.assert_array_equal(cols.X, x)
    np.testing.assert_array_equal(cols.sample(20, 8.0, seed=1), mem.sample(20, 8.0, seed=1))
    np.testing.assert_array_equal(satool.Memory.from_rows(x).X, x)
    # samples and states are (n, d) rows
    assert mem.sample(7, 8.0, seed=1).shape == (7, 64)
    assert mem.attention(x[:3], 8.0).shape == (3, 500)


def test_version_is_the_crates():
    core = re.search(r'^version = "(.+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    ext = re.search(r'^version = "(.+)"', (ROOT / "python" / "Cargo.toml").read_text(), re.M).group(1)
    assert satool.__version__ == core == ext


def test_energy_and_attention_match_numpy():
    x = memory_matrix()
    mem = satool.Memory(x.T)
    assert (mem.d, mem.K) == x.shape
    xi = np.random.default_rng(1).standard_normal((5, 16)) * 0.3
    beta = 7.5
    logits = beta * xi @ x
    lse = logits.max(axis=1) + np.log(np.exp(logits - logits.max(axis=1, keepdims=True)).sum(axis=1))
    np.testing.assert_allclose(mem.energy(xi, beta), 0.5 * (xi**2).sum(axis=1) - lse / beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mem.attention(xi, beta), np.exp(logits - lse[:, None]), rtol=1e-10, atol=1e-14)
    # one state: a float and a (K,) vector
    assert isinstance(mem.energy(xi[0], beta), float)
    assert mem.attention(xi[0], beta).shape == (40,)
    assert mem.energy(xi[0], beta) == mem.energy(xi, beta)[0]


def test_beta_star_is_the_published_rule():
    x = memory_matrix(d=24, k=60, seed=3)
    value, rule = satool.Memory(x.T).beta_star()
    assert rule.startswith("entropy inflection")
    # The rule in numpy: 50 log-spaced β on [0.1, 500], the first min(K, 20) memories as probes.
    betas = np.logspace(np.log10(0.1), np.log10(500), 50)
    probes = x[:, :20]
    h = []
    for b in betas:
        logits = b * probes.T @ x
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        h.append(np.mean([-(r[r >= 1e-30] * np.log(r[r >= 1e-30])).sum() for r in p]))
    lb = np.log(betas)
    dh = np.diff(h) / np.diff(lb)
    d2h = np.diff(dh) / np.diff(lb)[:-1]
    assert value == pytest.approx(betas[np.argmin(d2h) + 1], rel=1e-12)
    refined, rule = satool.Memory.from_columns(x).beta_star(refined=True)
    assert "continuous" in rule and abs(np.log(refined / value)) < np.log(500 / 0.1) / 49


def test_exact_samples_follow_the_mixture():
    x = memory_matrix(d=8, k=5, seed=2) * np.array([1.0, 1.2, 0.8, 1.1, 0.9])
    beta = 4.0
    s = satool.Memory.from_columns(x).sample(200_000, beta, method="exact", seed=5)
    assert s.shape == (200_000, 8) and s.dtype == np.float64 and s.flags.c_contiguous
    w = np.exp(beta * (x**2).sum(axis=0) / 2)
    w /= w.sum()
    mean = x @ w
    spread = 8 / beta + (w * ((x - mean[:, None]) ** 2).sum(axis=0)).sum()
    # 200k draws: the mean's SE is about sqrt(spread/8/200k) ≈ 1e-3 per coordinate
    np.testing.assert_allclose(s.mean(axis=0), mean, atol=5e-3)
    assert ((s - mean) ** 2).sum(axis=1).mean() == pytest.approx(spread, rel=0.01)


@pytest.mark.parametrize("method", ["ula", "mala"])
def test_chains_shape_diagnostics_and_seed(method):
    mem = satool.Memory.from_columns(memory_matrix())
    s, diag = mem.sample(88, 6.0, method=method, seed=2, chains=15, return_diagnostics=True)
    assert s.shape == (88, 16) and s.flags.c_contiguous
    # 88 → ceil(88/15) = 6 kept states per chain, 100 steps apart after the 2000-step burn-in
    assert (diag["chains"], diag["kept_per_chain"], diag["steps"], diag["burn_in"]) == (15, 6, 2501, 2000)
    assert 0.95 < diag["rhat"] < 1.2 and diag["ess_bulk"] > 10
    if method == "mala":
        assert 0.5 < diag["acceptance"] <= 1.0
    else:
        assert diag["acceptance"] is None
    again = mem.sample(88, 6.0, method=method, seed=2, chains=15)
    np.testing.assert_array_equal(s, again)
    assert not np.array_equal(s, mem.sample(88, 6.0, method=method, seed=3, chains=15))
    # the numbers do not depend on the thread count
    np.testing.assert_array_equal(s, mem.sample(88, 6.0, method=method, seed=2, chains=15, threads=1))


def test_published_protocol_when_n_is_five_per_chain():
    mem = satool.Memory.from_columns(memory_matrix(k=8))
    _, diag = mem.sample(20, 6.0, method="ula", chains=4, return_diagnostics=True)
    assert (diag["steps"], diag["kept_per_chain"]) == (5000, 30)


def test_layouts_and_dtypes_give_the_same_memory():
    x = memory_matrix()
    ref = satool.Memory.from_columns(x).sample(50, 5.0, seed=1)
    for variant in [np.asfortranarray(x), x.tolist(), np.ascontiguousarray(x.T).T]:
        np.testing.assert_array_equal(satool.Memory.from_columns(variant).sample(50, 5.0, seed=1), ref)
    for rows in [x.T, x.T.copy(), x.T.tolist()]:
        np.testing.assert_array_equal(satool.Memory(rows).sample(50, 5.0, seed=1), ref)
    # strided and reversed views are read as they are
    big = np.zeros((80, 32))
    big[::2, ::2] = x.T
    np.testing.assert_array_equal(satool.Memory(big[::2, ::2]).X, x.T)
    np.testing.assert_array_equal(satool.Memory(x.T[::-1, ::-1]).X, x.T[::-1, ::-1])
    # float32 is widened; its chains run in f32 unless told
    m32 = satool.Memory(x.T.astype(np.float32))
    np.testing.assert_array_equal(m32.X, x.T.astype(np.float32).astype(np.float64))
    _, diag = m32.sample(30, 5.0, method="ula", return_diagnostics=True)
    assert diag["precision"] == "f32"
    _, diag = m32.sample(30, 5.0, method="ula", precision="f64", return_diagnostics=True)
    assert diag["precision"] == "f64"
    # integers are converted
    assert satool.Memory(np.arange(12).reshape(4, 3)).X.dtype == np.float64


def test_states_in_any_layout():
    mem = satool.Memory.from_columns(memory_matrix())
    xi = np.random.default_rng(4).standard_normal((10, 16))
    e = mem.energy(xi, 3.0)
    np.testing.assert_array_equal(mem.energy(np.asfortranarray(xi), 3.0), e)
    np.testing.assert_array_equal(mem.energy(xi[::2], 3.0), e[::2])
    np.testing.assert_array_equal(mem.energy(xi[::-1], 3.0), e[::-1])
    np.testing.assert_allclose(mem.energy(xi.astype(np.float32), 3.0), mem.energy(xi.astype(np.float32).astype(float), 3.0))
    np.testing.assert_array_equal(mem.energy(xi.tolist(), 3.0), e)
    assert mem.energy(np.empty((0, 16)), 3.0).shape == (0,)
    assert mem.sample(0, 3.0).shape == (0, 16)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: satool.Memory(np.ones(5)), "X must be a 2-D array of shape (K, d): one pattern per row; got shape [5]"),
        (lambda m: satool.Memory.from_columns(np.ones(5)), "M must be a 2-D array of shape (d, K): one pattern per column; got shape [5]"),
        (lambda m: satool.Memory(np.array([[1.0, np.nan], [0.0, 1.0]])), "invalid memory: pattern 0, coordinate 1 is NaN"),
        (lambda m: m.energy(np.r_[np.ones(15), np.nan], 1.0), "xi[15] is NaN: states must be finite"),
        (lambda m: m.attention(np.c_[np.ones((3, 15)), [0, np.inf, 0]], 1.0), "xi[1, 15] is inf: states must be finite"),
        (lambda m: satool.Memory([["a", "b"]]), "X must be an array of numbers"),
        (lambda m: m.energy(np.ones((2, 3)), 1.0), "xi has 3 entries per state (shape [2, 3]); the memory's d is 16"),
        (lambda m: m.energy(np.ones((2, 2, 16)), 1.0), "xi must have shape (d,) or (n, d); got 3 dimensions"),
        (lambda m: m.attention(np.ones(16), -1.0), "beta = -1 is out of range: a finite beta > 0"),
        (lambda m: m.sample(10, float("inf")), "beta = inf is out of range: a finite beta > 0"),
        (lambda m: m.sample(10, 2.0, method="ula", alpha=1.5), "alpha = 1.5 is out of range: 0 < alpha < 1"),
        (lambda m: m.sample(10, 2.0, method="hmc"), "method must be one of exact, ula, mala; got 'hmc'"),
        (lambda m: m.sample(10, 2.0, method="ula", precision="f16"), "precision must be f64 or f32; got 'f16'"),
        (lambda m: m.sample(0, 2.0, method="mala"), "n must be at least 1 for the chain methods"),
        (lambda m: m.sample(10, 2.0, method="ula", chains=0), "chains must be at least 1"),
        (lambda m: m.sample(10, 2.0, threads=0), "threads must be at least 1"),
    ],
)
def test_bad_input_raises_value_error_with_the_message(call, message):
    mem = satool.Memory.from_columns(memory_matrix())
    with pytest.raises(ValueError) as e:
        call(mem)
    assert message in str(e.value)


def test_a_wrong_type_names_the_argument():
    mem = satool.Memory.from_columns(memory_matrix())
    for call, name in [
        (lambda: mem.sample(5, "2"), "beta"),
        (lambda: mem.sample(5, 2.0, method="ula", alpha="x"), "alpha"),
        (lambda: mem.energy(np.ones(16), "x"), "beta"),
        (lambda: mem.attention(np.ones(16), None), "beta"),
    ]:
        with pytest.raises(TypeError, match=f"^argument '{name}': must be real number"):
            call()
    # numpy scalars and ints are numbers; the default step is the published 0.01
    a = mem.sample(20, np.float64(2.0), method="ula", seed=3)
    np.testing.assert_array_equal(a, mem.sample(20, 2, method="ula", alpha=0.01, seed=3))


def gil_workload():
    # ~0.3–1 s of ULA on one thread
    mem = satool.Memory(np.random.default_rng(0).standard_normal((400, 64)))
    return lambda: mem.sample(30, 8.0, method="ula", threads=1)


class NoForcedSwitch:
    """A switch interval of 1000 s: a thread holding the GIL keeps it until it releases it
    itself (a blocking call, or native code that releases it), so who runs while a call is
    under way depends on the GIL alone, not on timing."""

    def __enter__(self):
        import sys

        self.old = sys.getswitchinterval()
        sys.setswitchinterval(1000.0)

    def __exit__(self, *exc):
        import sys

        sys.setswitchinterval(self.old)


def test_gil_is_released_while_sampling():
    """Python keeps running while another thread samples: the main thread advances a counter
    during the call. With the GIL held for the call (and no forced switch), the counter could
    not move between the two reads around it."""
    work = gil_workload()
    work()
    counter = [0]
    around = []
    done = threading.Event()

    def sample():
        before = counter[0]
        work()
        around.append((before, counter[0]))
        done.set()

    with NoForcedSwitch():
        thread = threading.Thread(target=sample)
        thread.start()
        # each wait releases the GIL, so the sampler can return whenever its call ends
        while not done.wait(0.001):
            counter[0] += 1
        thread.join()
    (before, after) = around[0]
    assert after > before, f"no Python ran during the call: {around}"


def test_two_threads_sample_concurrently():
    """Two sampling calls are under way at once: the second thread enters while the first is
    inside a call. With no forced switch, the first thread keeps the GIL between its calls, so
    the second can only run while a call has released it; were the GIL held for a call, the
    second thread would enter only after the first had left its loop. The first thread calls
    again until the second has entered (bounded), so no timing or scheduling decides the result."""
    work = gil_workload()
    work()
    inside = [0]
    seen = []
    entered = threading.Event()

    def first():
        inside[0] += 1
        for _ in range(100):
            work()
            if entered.is_set():
                break
        inside[0] -= 1

    def second():
        seen.append(inside[0])
        entered.set()

    with NoForcedSwitch():
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert seen == [1], f"the second thread entered only after the first had left its calls: {seen}"


def test_bench_reports_the_python_row(satool_bin):
    """`satool bench` times this package beside the core (the 10% criterion is read there,
    not asserted here: timings on a shared machine are not a test)."""
    import json
    import subprocess
    import sys

    r = subprocess.run(
        [str(satool_bin), "bench", "--quick", "--no-numpy", "--no-end-to-end", "--json", "--quiet", "--python", sys.executable],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["python"]
    assert row is not None, r.stderr
    assert row["satool"] == satool.__version__ and row["interpreter"] == sys.executable
    for key in ("ula_seconds", "core_ula_seconds", "exact_100k_seconds", "core_exact_100k_seconds"):
        assert 0 < row[key] < 60, (key, row[key])
