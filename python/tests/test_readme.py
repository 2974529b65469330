"""The documented Python examples run as written (from the repository root): the README's one
example and docs/python.md's three, one per domain."""

import re

import pytest

from conftest import ROOT


def python_blocks(doc):
    return re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S)


EXAMPLES = [("README.md", 0)] + [("docs/python.md", i) for i in range(3)]


def test_one_example_in_the_readme_and_one_per_domain_in_the_python_page():
    assert len(python_blocks("README.md")) == 1
    blocks = python_blocks("docs/python.md")
    assert len(blocks) == 3
    assert "satool.Memory" in blocks[0] and "Family" in blocks[1] and "Panel" in blocks[2]
    assert all(len(b.strip().splitlines()) <= 10 for b in blocks + python_blocks("README.md"))


@pytest.mark.parametrize("doc,index", EXAMPLES)
def test_documented_example_runs(doc, index, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(python_blocks(doc)[index], f"{doc} python block {index + 1}", "exec"), {})
    assert capsys.readouterr().out.strip()
