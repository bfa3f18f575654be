"""The Streamlit pages and what they share; the only code besides app.py that imports streamlit."""
