import os
import sys

from launchpad.cli import main

try:
    code = main()
    sys.stdout.flush()  # inside the try: a reader that went away fails here, not in the interpreter's exit
except BrokenPipeError:
    # `python -m launchpad schema | head` closed the pipe: stop quietly, as a shell tool does, instead of a
    # traceback; stdout goes to /dev/null so the interpreter's own final flush cannot fail again
    # (docs.python.org/3/library/signal.html, "Note on SIGPIPE").
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
