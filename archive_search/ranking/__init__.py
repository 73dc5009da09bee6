"""Ranking: the settings (config.py), BM25 (bm25.py) and the stages pipeline.py runs in order:
first pass (firstpass.py), pseudo-relevance feedback (feedback.py), the latent space (latent.py)."""
