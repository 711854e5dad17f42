import sys

from infra.cli.main import main

sys.exit(main())
