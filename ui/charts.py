"""Charts drawn from the DataFrames the tables show (no second query), always with their
numbers written on them: a bar's length alone is not a figure the reader can quote."""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.elements import vega_charts

BAR_HEIGHT = 24  # px per bar, so the chart grows with its rows and its labels stay legible
LABEL_WIDTH = 110  # px of a name before « … » (the table and the tooltip show it whole)


def horizontal_bars(frame: pd.DataFrame, *, category: str, value: str, value_title: str,
                    colour: str | None = None) -> alt.LayerChart:
    """One bar per `category`, `value` long, in the frame's row order (the table's), each
    bar labelled with its number; with `colour` (a status column), bars are stacked by it
    and labelled with their total. Column names must not hold « . » or « [ » (Vega-Lite
    reads them as paths into nested data)."""
    order = list(dict.fromkeys(frame[category]))
    longest = float(max([1, *frame.groupby(category)[value].sum()]))
    y = alt.Y(field=category, type="nominal", sort=order, title=category,
              axis=alt.Axis(labelLimit=LABEL_WIDTH))
    # The labels say each number: the axis keeps only its title, and room for the
    # longest bar's label.
    x = alt.X(field=value, type="quantitative", aggregate="sum", title=value_title,
              axis=alt.Axis(labels=False, ticks=False, grid=False, domain=False),
              scale=alt.Scale(domain=[0, longest * 1.2], nice=False))
    tooltip = [alt.Tooltip(field=name) for name in (category, colour, value) if name]
    bars = alt.Chart(frame).mark_bar().encode(y=y, x=x, tooltip=tooltip)
    if colour is not None:
        bars = bars.encode(color=alt.Color(field=colour, type="nominal", sort=list(dict.fromkeys(frame[colour])),
                                           legend=alt.Legend(title=None, orient="bottom", direction="vertical")))
    labels = alt.Chart(frame).mark_text(align="left", dx=4).encode(
        y=y, x=x, text=alt.Text(field=value, aggregate="sum", format="d"))
    return alt.layer(bars, labels).properties(height=alt.Step(BAR_HEIGHT))


def show_chart(chart_of: Callable[..., alt.TopLevelMixin], *args: Any, description: str, **kwargs: Any) -> None:
    """Show the chart `chart_of(*args, **kwargs)` across its column; `description` names it
    for screen readers.

    Building an Altair chart and converting it (Altair checks it against the Vega-Lite
    schema) costs some 20 ms a chart, on every rerun. The converted spec is kept instead,
    keyed on `chart_of` and the very data it is drawn from (`data_key`): a rerun on
    unchanged data draws from it, any change of the data is another key. Nothing depends
    on time or on one process's state, so every server process agrees."""
    if getattr(chart_of, "__closure__", None):  # data it closes over would not be part of the key
        raise TypeError(f"{chart_of.__qualname__} : passez ses données en arguments de show_chart")
    key = data_key(f"{chart_of.__module__}.{chart_of.__qualname__}", args, kwargs)
    st.vega_lite_chart(spec=_vega_lite_spec(key, chart_of, args, kwargs), width="stretch", alt=description)


def data_key(*values: Any) -> str:
    """A digest of `values` by content: frames by their pickle (columns, dtypes, index and
    every cell, whatever their length), everything else by its repr. Equal data pickled
    differently only costs a second build; different data never shares a key."""
    digest = hashlib.sha256()
    for value in _flattened(values):
        digest.update(pickle.dumps(value, protocol=5) if isinstance(value, pd.DataFrame) else repr(value).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def _flattened(values: Any):
    if isinstance(values, (list, tuple)):
        yield type(values).__name__
        for value in values:
            yield from _flattened(value)
    elif isinstance(values, dict):
        yield "dict"
        for name in sorted(values):
            yield name
            yield from _flattened(values[name])
    else:
        yield values


class _KeptSpecs:
    """The last specs drawn, pickled (each draw gets its own copy), by `data_key`; shared by
    the sessions of this process (one lock: they run in threads)."""

    def __init__(self, size: int = 256) -> None:
        self._size, self._specs, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            kept = self._specs.get(key)
            if kept is not None:
                self._specs.move_to_end(key)
        return None if kept is None else pickle.loads(kept)  # noqa: S301 - pickled here, from our own specs

    def keep(self, key: str, spec: dict[str, Any]) -> None:
        with self._lock:
            self._specs[key] = pickle.dumps(spec)
            while len(self._specs) > self._size:
                self._specs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._specs.clear()


KEPT_SPECS = _KeptSpecs()


def _vega_lite_spec(key: str, chart_of: Callable[..., alt.TopLevelMixin], args: tuple, kwargs: dict
                    ) -> dict[str, Any]:
    """The Vega-Lite spec of `chart_of(*args, **kwargs)` as `st.altair_chart` would send it
    (its data as Arrow datasets), kept under `key` (`data_key` of the function and data).

    Our charts have a fixed shape, so their pieces are made unchecked and the whole chart is
    checked once, when converted. (The switch is Altair's global: another session drawing
    meanwhile may skip a check too.)"""
    spec = KEPT_SPECS.get(key)
    if spec is None:
        with alt.utils.schemapi.debug_mode(False):
            chart = chart_of(*args, **kwargs)
        spec = vega_charts._convert_altair_to_vega_lite_spec(chart)
        KEPT_SPECS.keep(key, spec)
    return spec


def show_bars(frame: pd.DataFrame, *, description: str, **encoding) -> None:
    """Show `horizontal_bars(frame, **encoding)` across its column."""
    show_chart(horizontal_bars, frame, description=description, **encoding)
