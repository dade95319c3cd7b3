from dirsync.cli.main import main

main()
