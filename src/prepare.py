"""`python -m prepare` from a checkout: the `ofsted-prepare` command (ofsted_themes.cli.prepare)."""

from ofsted_themes.cli.prepare import run

if __name__ == "__main__":
    run()
