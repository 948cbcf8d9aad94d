"""``python -m core``: see core.cli."""

import gc
import sys

# A command runs once and exits, and what it allocates is freed by reference
# counting; the cyclic garbage collector only re-scans the million or so
# objects that importing pandas, scikit-learn and TensorFlow creates, about
# 1 s of CPU in a training command. Off for the command's lifetime.
gc.disable()

from core.cli import main  # noqa: E402

exit_code = main()
# Python's shutdown still runs full collections over those objects (1-3 s of
# a training command's wall time on 2 cores); freezing them skips that work.
gc.freeze()
sys.exit(exit_code)
