"""Indexing: the run (indexer.py), the files it reads (files.py), the problems it reports
(problems.py), one writer's work (session.py) and the latent space's refit (refit.py)."""
