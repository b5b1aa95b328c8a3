"""Figures: DataFrame in, Plotly figure out (charts, maps, boundary files). No Streamlit here."""
