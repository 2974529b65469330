"""The README's Python examples run as written (from the repository root)."""

import re

import pytest

from conftest import ROOT


def python_blocks():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_section_has_one_example_per_domain():
    blocks = python_blocks()
    assert len(blocks) == 3
    assert "satool.Memory" in blocks[0] and "Family" in blocks[1] and "Panel" in blocks[2]
    assert all(len(b.strip().splitlines()) <= 10 for b in blocks)


@pytest.mark.parametrize("index", range(3))
def test_readme_example_runs(index, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(python_blocks()[index], f"README.md python block {index + 1}", "exec"), {})
    assert capsys.readouterr().out.strip()
