"""Allows ``python -m regup``."""

from __future__ import annotations

from regup.cli import main

if __name__ == "__main__":
    main()
