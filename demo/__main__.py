from .generator import main

raise SystemExit(main())
