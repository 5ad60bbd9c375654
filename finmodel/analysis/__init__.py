"""Analyses over the engine's batch path: sweeps, tornado and grids, goal seek, Monte Carlo, and
the business-model comparison. The engine never imports anything from here."""
