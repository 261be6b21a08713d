import sys

from kpi_engine.cli.main import main

sys.exit(main())
