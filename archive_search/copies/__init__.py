"""Near-duplicate articles ("copies"): the same article sent or captured again, and the same
story re-edited, trimmed or corrected, found at index time and folded in results.

config.py   every threshold, its default and the reason for it
text.py     the words, shingles and figures of a text; the similarity of two; the tier a
            pair falls in; the passages two texts share (character offsets)
store.py    the index's copies file (SQLite): the verified pairs and each clustered
            article's clusters, written by indexing/clustering.py, read by searches
fold.py     one result per story: search --collapse, timeline --collapse, facet counts
dupes.py    `archive-search dupes ID`: an article's cluster, each member's similarity and
            the passages it shares
"""
