"""qabot: answers questions about a folder of documents, citing paragraphs (¶n).

Importing the package applies the thread policy (bot/threads.py) before any submodule loads
numpy, FAISS or the models.
"""

from __future__ import annotations

from bot.threads import apply_thread_policy

apply_thread_policy()

__version__ = "0.1.0"
