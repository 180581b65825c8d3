from prepaid_recon.cli import main

main()
