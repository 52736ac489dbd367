"""``python -m pitstop``."""

from pitstop.main import console

if __name__ == "__main__":  # pragma: no branch - this module only ever runs as a script
    console()
