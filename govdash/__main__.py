from govdash.cli import main

raise SystemExit(main())
