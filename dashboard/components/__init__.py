"""Shared layout pieces: navbar, filter bar, KPI cards, grids, page states."""
