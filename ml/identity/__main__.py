import sys

from ml.identity.cli import main

sys.exit(main())
