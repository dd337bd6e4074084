from coursec.cli import main

main()
