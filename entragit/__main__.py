from entragit.cli import main

main()
