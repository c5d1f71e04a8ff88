"""Charts drawn from the DataFrames the tables show (no second query), always with their
numbers written on them: a bar's length alone is not a figure the reader can quote."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

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


def show_chart(build: Callable[[], alt.TopLevelMixin], *, description: str) -> None:
    """Show the chart `build` makes across its column; `description` names it for screen readers.

    Altair checks every piece against the Vega-Lite schema as it is made (some ten times a
    chart, ~30 ms each on the balance panel); our charts have a fixed shape, so the pieces are
    made unchecked and the whole chart is still checked once, when Streamlit converts it.
    (The switch is Altair's global: another session drawing meanwhile may skip a check too.)"""
    with alt.utils.schemapi.debug_mode(False):
        chart = build()
    st.altair_chart(chart, width="stretch", alt=description)


def show_bars(frame: pd.DataFrame, *, description: str, **encoding) -> None:
    """Show `horizontal_bars(frame, **encoding)` across its column."""
    show_chart(lambda: horizontal_bars(frame, **encoding), description=description)
