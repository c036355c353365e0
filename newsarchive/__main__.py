from newsarchive.cli import main

raise SystemExit(main())
