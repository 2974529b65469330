"""Ctrl-C during a long native call raises KeyboardInterrupt soon after, and sizes the package
cannot serve raise ValueError with the command line's message.

Each interrupt case runs in a child interpreter: it builds its inputs, starts a timer that sends
SIGINT to itself half a second into a call that would run for minutes, and prints whether the
call returned or raised (and how long after the signal, for a reader of a failure). The parent's
timeout is what fails a call that ignores the signal."""

import functools
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import satool
from conftest import PRICES, ROOT, STO

CHILD = """
import os, signal, threading, time
{setup}
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
t = time.monotonic()
try:
    {call}
    print("returned")
except KeyboardInterrupt:
    print(f"KeyboardInterrupt {{time.monotonic() - t - 0.5:.2f}} s after SIGINT")
"""

CASES = {
    # 120,000 ULA states 100 steps apart on 30 chains: 400,000 steps of a d = 50, K = 400 memory.
    "sample": (
        "import numpy as np, satool\n"
        "mem = satool.Memory(np.random.default_rng(0).normal(size=(400, 50)))",
        "mem.sample(30 * 4000, beta=2.0, method='ula')",
    ),
    # 200,000 sa_gen sequences: about 6,700 kept states per chain, 670,000 steps each.
    "generate": (
        f"from satool.protein import Family\nfam = Family.from_stockholm({str(STO)!r})",
        "fam.generate(200000, method='sa_gen')",
    ),
    # 20,000 paths of 20 days, one warm-started chain per path.
    "scenarios": (
        f"from satool.finance import Panel\npanel = Panel.from_csv({str(PRICES)!r}, start='2018-01-01')",
        "panel.scenarios(20000, 20, method='sa_sequential')",
    ),
    # The sequential generator with 100,000 MALA steps per emitted day.
    "compare": (
        f"from satool.finance import Panel\npanel = Panel.from_csv({str(PRICES)!r}, start='2018-01-01')",
        "panel.compare(methods=['sa_sequential'], inner_steps=100000)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigint_stops_a_long_call(case):
    setup, call = CASES[case]
    script = CHILD.format(setup=setup, call=call)
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("KeyboardInterrupt"), (r.stdout, r.stderr)


MEM = satool.Memory(np.random.default_rng(1).normal(size=(6, 4)))  # K = 6, d = 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n=2**64 - 1), "sample(n = 18446744073709551615): the n × (d + 1) draws (8 bytes per value) would take more than 16 EiB"),
        (dict(n=10**12), "sample(n = 1000000000000): the n × (d + 1) draws (8 bytes per value) would take 36.4 TiB"),
        (dict(n=10**12, method="ula"), "sample(n = 1000000000000, chains = 30): the kept states (8 bytes per value) would take 87.3 TiB"),
        (dict(n=2**64), "argument 'n': 18446744073709551616 is out of range: 0 ≤ n < 2^64"),
        (dict(n=-1), "argument 'n': -1 is out of range: 0 ≤ n < 2^64"),
        (dict(n=10, threads=20000), "threads = 20000 is more than four per core on this machine's"),
        (dict(n=10, threads=-3), "argument 'threads': -3 is out of range: 0 ≤ threads < 2^64"),
    ],
)
def test_sizes_it_cannot_serve_raise_value_error(kwargs, message):
    with pytest.raises(ValueError) as e:
        MEM.sample(beta=8.0, **kwargs)
    assert str(e.value).startswith(message), str(e.value)
    if "bytes per value" in message:
        assert str(e.value).endswith("lower n (or set SATOOL_MAX_MEMORY_BYTES)")


@functools.cache
def family():
    return satool.protein.Family.from_stockholm(STO)


# Every integer argument, positional or keyword, native or through the Python layer: an int out
# of its range is a ValueError naming the argument and the range (never OverflowError).
INT_ARGUMENTS = [
    ("chains", 2**64, lambda v: MEM.sample(5, 8.0, method="ula", chains=v)),
    ("chains", -1, lambda v: MEM.sample(5, 8.0, method="ula", chains=v)),
    ("seed", 2**64, lambda v: MEM.sample(5, 8.0, seed=v)),
    ("seed", -1, lambda v: MEM.sample(5, 8.0, seed=v)),
    ("seed", 10**40, lambda v: MEM.sample(5, 8.0, seed=v)),
    ("n", -1, lambda v: MEM.sample(v, 8.0)),
    ("horizons", -1, lambda v: satool.finance.portfolio_risk(np.zeros((4, 2, 2)), [1, 1], [0.99], [v])),
    ("fill_limit", -1, lambda v: satool._native.read_panel(prices=str(PRICES), fill_limit=v)),
    ("min_tickers", 2**64, lambda v: satool._native.read_panel(prices=str(PRICES), min_tickers=v)),
    ("scenarios", -5, lambda v: satool._native.finance_results(prices=str(PRICES), scenarios=v, horizon=5)),
    ("seed", 2**64, lambda v: satool._native.finance_results(prices=str(PRICES), seed=v)),
    ("seed", 2**64, lambda v: satool.protein.Family.from_stockholm(STO, seed=v)),
    ("samples", -1, lambda v: family().compare(samples=v)),
    ("seed", -1, lambda v: family().generate(5, method="exact_gen", seed=v)),
    ("n", 2**64, lambda v: family().generate(v, method="exact_gen")),
    ("max_sequences", -2, lambda v: satool.protein.Family.from_stockholm(STO, max_sequences=v)),
]


@pytest.mark.parametrize("name, value, call", INT_ARGUMENTS)
def test_every_integer_argument_out_of_range_is_a_value_error_naming_it(name, value, call):
    with pytest.raises(ValueError) as e:
        call(value)
    assert str(e.value) == f"argument '{name}': {value} is out of range: 0 ≤ {name} < 2^64"


def test_numpy_integers_are_integers():
    np.testing.assert_array_equal(MEM.sample(np.int64(5), 8.0, seed=np.uint8(3)), MEM.sample(5, 8.0, seed=3))
    with pytest.raises(TypeError, match="argument 'seed': 'float' object cannot be interpreted as an integer"):
        MEM.sample(5, 8.0, seed=1.0)


def test_generate_refuses_rows_that_do_not_fit(monkeypatch):
    # A streamed row in Python holds about 1.1 kB per sample on PF00076 (L = 71; measured peak
    # RSS), counted as 5·L + 1024 = 1,379 bytes.
    with pytest.raises(ValueError, match=r"^--samples 1000000000000: the 1 rows \(1000000000000 × about 1379 bytes\) would take 1\.2 PiB"):
        family().generate(10**12, method="exact_gen")
    # 100,000 samples take about 110 MB, more than a 100 MB budget (the first estimate said 10 MB).
    monkeypatch.setenv("SATOOL_MAX_MEMORY_BYTES", "100000000")
    with pytest.raises(ValueError, match=r"^--samples 100000: the 1 rows .* would take 131\.5 MiB, more than the 95\.4 MiB"):
        family().generate(100_000, method="exact_gen")
    assert len(family().generate(1000, method="exact_gen")) == 1000
