from archive_search.cli import run

run()
