"""Import of organizations, sites and instruments from .xlsx and .csv (see engine.py for the design)."""
