import os
import sys

try:
    # The import is inside: Ctrl-C while the CLI is still loading its modules (most of the first second of
    # every command) is an interruption like any other, not a traceback through importlib.
    from launchpad.cli import main

    code = main()
    sys.stdout.flush()  # inside the try: a reader that went away fails here, not in the interpreter's exit
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    code = 130
except BrokenPipeError:
    # `python -m launchpad schema | head` closed the pipe: stop quietly, as a shell tool does, instead of a
    # traceback; stdout goes to /dev/null so the interpreter's own final flush cannot fail again
    # (docs.python.org/3/library/signal.html, "Note on SIGPIPE").
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
