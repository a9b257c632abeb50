import sys

from neurolocal.cli import main

sys.exit(main())
