"""The Streamlit pages: thin views over the library (no SQL, no NLP here)."""
