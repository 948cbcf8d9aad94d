"""``python -m core``: see core.cli."""

import gc
import sys

from core.cli import main

exit_code = main()
# At exit Python runs full garbage collections over the million or so objects
# TensorFlow and pandas leave behind: 1-3 s of a training command's wall time
# on 2 cores. Freezing them first makes the exit take a fraction of a second.
gc.freeze()
sys.exit(exit_code)
