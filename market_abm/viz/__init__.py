"""Solara components of the interactive app (app.py assembles them into the page).

state: one browser session's run and its snapshots; charts, network_view, map_view: matplotlib
figures drawn from a snapshot; controls and page: the Solara components.
"""
