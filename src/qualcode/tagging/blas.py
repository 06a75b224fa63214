"""One BLAS thread for the tagger's small matrix products and its classifier's training.

OpenBLAS's extra threads only spin on these sizes: tagging the sample transcripts spent 0.6
CPU s of 11 in them, and retraining the correction model (60 decisions, five CV folds) took
59 CPU s and 33 s of wall time with two threads, 19 and 19 with one (``bench`` notes in the
README). The limit holds only inside the ``with`` block.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


def one_blas_thread():
    """A context manager limiting BLAS to one thread (the libraries are looked up once per process)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
