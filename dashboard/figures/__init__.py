"""Figures: DataFrame in, plotly figure out, on one slim template."""
