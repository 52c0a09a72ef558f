"""Filters kept in the URL query string, so a view can be bookmarked, shared and reloaded.

A page's layout reads its filters from its query arguments; in the browser, one clientside
function (``careboard.syncQuery`` in assets/careboard.js, no inline script under the CSP) writes
the controls' values back as they change. Each bar names its query keys once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dash
from dash import ClientsideFunction, Input, Output, State, dcc

SYNC_QUERY = ClientsideFunction("careboard", "syncQuery")


@dataclass(frozen=True)
class QuerySync:
    """The controls of one bar by query key; their values go to the URL through a store that
    holds the keys (the clientside function reads them from it)."""

    store_id: str
    fields: Mapping[str, Input]
    # False: the URL changes only when the user changes a control, not with the defaults a page
    # opens with (a landing page keeps its plain address).
    on_load: bool = True

    def register(self, app: dash.Dash | None = None) -> None:
        """Register the clientside sync with ``app``, or with the app being built (pages)."""
        register = dash.clientside_callback if app is None else app.clientside_callback
        register(
            SYNC_QUERY,
            Output(self.store_id, "data"),
            *self.fields.values(),
            State(self.store_id, "data"),
            prevent_initial_call=not self.on_load,
        )

    def store(self) -> dcc.Store:
        """The store to put in the layout, holding the query keys in the controls' order."""
        return dcc.Store(id=self.store_id, data=list(self.fields))
