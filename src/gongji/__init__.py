"""gongji (共济): family mutual aid on medical-insurance personal accounts — registry, rules, ledger, settlement."""

__all__ = ["__version__"]

__version__ = "0.1.0"
