"""The resident mode: `archive-search serve` keeps the archive open, and commands forward to it.

protocol.py is the wire and the socket's place (imported by both sides), client.py the
forwarding side every command start tries first, server.py the background process.
"""
