"""``python -m pitstop``."""

from pitstop.main import console

if __name__ == "__main__":
    console()
