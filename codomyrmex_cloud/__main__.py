"""``python -m codomyrmex_cloud``: the command line."""

from codomyrmex_cloud.cli import main

if __name__ == "__main__":
    main()
