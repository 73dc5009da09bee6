"""A sharded archive: N Whoosh indexes under one index directory, searched as one.

layout.py   where the shards live, which shard a file goes to, and the manifest (shards.json)
multi.py    the shards opened as one index: one reader over every shard's segments, so that
            every statistic BM25 reads is the archive's, and a search scores as one index does
"""
