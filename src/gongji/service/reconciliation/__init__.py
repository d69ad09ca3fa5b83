"""对账 (statement reconciliation): a designated institution's settlements in a period as gongji's ledger has them
(:mod:`.statement`), and the comparison with the figures the institution reports for 对总账 3201 and 对明细账 3202
(:mod:`.comparison`)."""

__all__: list[str] = []
