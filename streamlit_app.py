"""qualcode in the browser: `streamlit run streamlit_app.py` (listens on 127.0.0.1:8501).

Pages: Transcripts, Review, Matrices, Agreement, Codebook, Import, Export (``qualcode.ui.app``).
"""

from qualcode.ui.app import main

main()
