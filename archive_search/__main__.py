from archive_search import console_main

console_main()
