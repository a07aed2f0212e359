"""Jiliang 计量: the smart metrology supervision platform. The version is read by pyproject.toml
(one place to change) and named in CHANGELOG.md."""

__version__ = "0.2.0"
