"""A run's Parquet output summarised for people: aggregates (DuckDB), one self-contained HTML page (Plotly)."""
