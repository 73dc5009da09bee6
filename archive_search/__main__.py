from archive_search._entry import console_main

console_main()
