"""``python -m gui`` starts Partita."""

import sys

from gui.main import main

sys.exit(main())
