"""Synthetic provinces: people, families, insurance and mutual-aid relations with the mix of public statistics, for
analysts, benchmarks and the fraud signals' measured precision (``gongji synth``).

- :mod:`gongji.synth.figures`: the public statistics a province is drawn to, each with its source, and the model
  parameters calibrated to them.
- :mod:`gongji.synth.population`: families drawn from those figures (pure: a seed gives the same province).
- :mod:`gongji.synth.bindings`: the year's binding requests and ends, each decided by the regions' rules through the
  same checks the binding use case runs; :mod:`gongji.synth.binding_state` takes each step as the use case does.
- :mod:`gongji.synth.rows`: the rows the use cases would write for them, and :mod:`gongji.synth.province` the load.
"""

__all__: list[str] = []
