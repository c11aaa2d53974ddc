from rcc_cards.cli import main

main()
