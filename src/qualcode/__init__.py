"""qualcode: qualitative coding of Finnish interview transcripts.

Data flows one way: DOCX -> Transcript (turns, attributes) -> Segments -> Suggestions ->
reviewed Codings -> matrices and exports. Each stage is a module: ``importing``,
``segments``/``pretag``, ``tagging``, ``review``, ``matrices``/``exports``; ``store`` owns
the database and ``codebook`` the versioned YAML codebooks.
"""

__version__ = "0.1.0"
